"""The console home: today's to-dos as a merchant sees them on 千牛/商家中心."""

from django.shortcuts import render

from shop_sim import selectors
from shop_sim.tenancy import console_view


@console_view
def dashboard(request):
    return render(request, "console/dashboard.html", {"todo": selectors.dashboard_counts(sandbox=request.sandbox)})
