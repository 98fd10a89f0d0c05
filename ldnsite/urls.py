"""Wires the apps' URLs together; each app owns its own."""

from django.conf import settings
from django.conf.urls.static import static as media_urls
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from articles.api import router as pieces_api
from articles.sitemaps import ArticleSitemap, AuthorSitemap, PageSitemap, TagSitemap
from articles.views import HomeView
from ldnsite.admin_rules import view_on_site
from ldnsite.api import api, not_found
from references.api import router as library_api
from references.sitemaps import ConditionSitemap, ReferenceSitemap, StudySitemap

admin.site.site_header = "LDN Evidence: editors' desk"
admin.site.site_title = "LDN Evidence admin"
admin.site.index_title = "Evidence pieces, authors and references"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every site, whatever the page declares (the admin declares none)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


api.add_router("", pieces_api)
api.add_router("", library_api)

handler500 = "ldnsite.views.server_error"

SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "references": ReferenceSitemap,
    "studies": StudySitemap,
    "conditions": ConditionSitemap,
}

urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8")),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", HomeView.as_view(), name="home"),
    path("", include("articles.urls")),
    path("", include("references.urls")),
    path("", include("articles.newsletter.urls")),
    path("api/", api.urls),
    # In place of the admin's own "View on site" shortcut, which asks no permission about the object.
    path(f"{settings.ADMIN_URL}r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path(settings.ADMIN_URL, admin.site.urls),
    # Uploaded media, on a laptop only (DEBUG): in production the proxy or object storage serves them.
    *media_urls(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    # Last: any other address under /api/ answers in JSON, not with the HTML 404 page.
    path("api/", not_found),
    path("api/<path:rest>", not_found),
]
