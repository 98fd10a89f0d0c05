"""Wires the apps' URLs together; each app owns its own."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles.views import HomeView

admin.site.site_header = "LDN Evidence: editors' desk"
admin.site.site_title = "LDN Evidence admin"
admin.site.index_title = "Evidence pieces, authors and references"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("articles.urls")),
    path("references/", include("references.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
