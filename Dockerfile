# Image for the web and worker services of docker-compose.yml (production shape).
FROM python:3.11-slim-bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        chromium fonts-noto-cjk gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV DJANGO_STATIC_ROOT=/app/var/staticfiles
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --no-input -v0
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "sandbox.asgi:application"]
