from django.urls import path

from . import feeds, views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", views.newsletter, name="archive"),
    path("newsletter/start/", views.start, name="start"),
    path("newsletter/check-your-inbox/", views.check_inbox, name="check_inbox"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/preferences/<str:token>/", views.preferences, name="preferences"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("newsletter/feed.rss", feeds.IssuesFeed(), name="feed"),
    path("newsletter/<slug:slug>/", views.issue, name="issue"),
    path("privacy/", views.privacy, name="privacy"),
]
