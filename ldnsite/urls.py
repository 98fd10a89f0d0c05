"""Wires the apps' URLs together; each app owns its own."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from articles.views import HomeView

admin.site.site_header = "LDN Evidence: editors' desk"
admin.site.site_title = "LDN Evidence admin"
admin.site.index_title = "Evidence pieces, authors and references"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every site, whatever the page declares (the admin declares none)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("", HomeView.as_view(), name="home"),
    path("", include("articles.urls")),
    path("", include("references.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
