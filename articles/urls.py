from django.urls import path

from references import converters  # noqa: F401 (registers export_format, used below)

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("articles/<slug:slug>/references.<export_format:extension>", views.references_download, name="references"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/", views.AuthorListView.as_view(), name="authors"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("series/<slug:slug>/", views.SeriesView.as_view(), name="series"),
    path("feeds/articles.rss", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feeds/articles.atom", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("tags/<slug:slug>/feed.rss", feeds.TagFeed(), name="tag_feed_rss"),
    path("tags/<slug:slug>/feed.atom", feeds.TagAtomFeed(), name="tag_feed_atom"),
]
