"""The merchant back office (商家后台): thin views over services and selectors."""
