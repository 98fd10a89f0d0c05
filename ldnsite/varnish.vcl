vcl 4.1;

# Varnish in front of the LDN evidence site's gunicorn (README, "A front cache").
#
# It keeps only what the site marks as shareable: a response with a Surrogate-Key header, for as
# long as its s-maxage says; everything else (searches, downloads, the admin, anyone signed in)
# goes through, never kept. The site drops pages by key once a change commits, with
#     PURGE / HTTP/1.1
#     xkey-purge: article:12 articles
# from the addresses in "purgers" (set FRONT_CACHE_PURGE_URLS=http://this-varnish:6081/ on the site).
#
# Needs Debian's varnish and varnish-modules (for xkey). Set the backend to where gunicorn listens.

import xkey;

backend site {
    .host = "127.0.0.1";
    .port = "8000";
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in an xkey-purge header"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Signed in (the admin, staff previews): straight to the site.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=" || req.url ~ "^/admin/") {
        return (pass);
    }
    # A public page is the same for everyone: no cookie can change it.
    unset req.http.Cookie;
}

sub vcl_hash {
    # https and http pages differ (their absolute addresses), when the proxy in front serves both.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    if (!beresp.http.Surrogate-Key) {
        # Not marked as shareable: pass it on, and remember for a while not to wait for it.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    # Past its s-maxage a page may be served for a few seconds more while a fresh one is fetched;
    # a purged page is gone at once.
    set beresp.grace = 5s;
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
