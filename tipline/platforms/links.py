"""Web addresses and app-store ids made comparable: one key for every way of writing the same page or app.

Reporters paste links as their phone shares them: with or without the scheme, with `www.`
or `m.`, with tracking parameters (`utm_source`, `spm`, `from`, ...), in another order, or
as an app-store page. `link_key` turns each into one key:
- a web page: its host (lower case, IDNA, without `www.`, `m.` or `wap.`), its path without
  the trailing slash, and its query without tracking parameters, sorted (w3lib's canonical form);
  `https://WWW.Example.com/course/1/?utm_source=wx&b=2&a=1` gives `example.com/course/1?a=1&b=2`;
- an app: `ios:<id>` for the App Store (`apps.apple.com/cn/app/name/id123`, or the registry's
  `appstore:id123`), `android:<package>` for Google Play and the Chinese Android stores that
  name the package (`?id=`, `?apkName=`, `/appdetail/<package>`, or the registry's `android:<package>`).

The registry's addresses are kept under such keys (PlatformAddress); a tip's link finds its
platform by the longest key that covers it (`lookup_keys`): the same path or a path above it on
the same host, or a parent domain of the host.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from w3lib.url import canonicalize_url

# Parameters that say who shared a link or how it was reached, never which page it is.
TRACKING = frozenset(
    """spm from source share share_from share_source share_medium share_token shareid share_app_id sharer_shareid
    fbclid gclid yclid dclid msclkid mc_cid mc_eid ref ref_src si wxshare_count isappinstalled scene clicktime
    enterid timestamp ts _t vd_source bbid is_from_webapp sender_device from_source chksm sessionid""".split()
)
TRACKING_PREFIXES = ("utm_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")
MOBILE_PREFIXES = ("www.", "m.", "wap.")
APPLE_HOSTS = ("apps.apple.com", "itunes.apple.com")
APPLE_ID = re.compile(r"/id(\d{5,})")
PACKAGE = re.compile(r"[a-zA-Z][\w]*(\.[a-zA-Z_][\w]*)+")
# Android app stores whose pages name the app's package (in the query, or in the path).
ANDROID_STORES = (
    "play.google.com", "sj.qq.com", "a.app.qq.com", "app.mi.com", "wandoujia.com", "app.meizu.com",
    "apps.samsung.com", "app.vivo.com.cn", "zhushou.360.cn", "app.so.com", "shouji.baidu.com", "appstore.huawei.com",
)  # fmt: skip
PACKAGE_PARAMETERS = ("id", "apkname", "packagename", "pkgname", "pname", "package")
ANDROID_STORE_PATHS = re.compile(r"/(?:appdetail|apps|details|app)/([a-zA-Z][\w]*(?:\.[a-zA-Z_][\w]*)+)")
REGISTRY_APP = re.compile(r"(?:appstore:(?:id)?|ios:)(\d{5,})|(?:android|package):([a-zA-Z][\w.]*)", re.IGNORECASE)
# Web addresses written into a text: with a scheme, or starting www.
IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。；！？、（）【】《》]+", re.IGNORECASE)
MAX_KEY = 300


def links_in(text):
    """The web addresses written in a text, in order (at most 10)."""
    return IN_TEXT.findall(text or "")[:10]


def _app_key(host, path, query):
    if host in APPLE_HOSTS:
        found = APPLE_ID.search(path)
        return f"ios:{found.group(1)}" if found else None
    if not any(host == store or host.endswith("." + store) for store in ANDROID_STORES):
        return None
    for name, value in query:
        if name.lower() in PACKAGE_PARAMETERS and PACKAGE.fullmatch(value):
            return f"android:{value.lower()}"
    found = ANDROID_STORE_PATHS.search(path)
    return f"android:{found.group(1).lower()}" if found else None


def link_key(text):
    """The key of a web address or app id, or None when it is not one."""
    text = (text or "").strip()
    registry_app = REGISTRY_APP.fullmatch(text)
    if registry_app:
        return f"ios:{registry_app.group(1)}" if registry_app.group(1) else f"android:{registry_app.group(2).lower()}"
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(canonicalize_url(text, keep_fragments=True))
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if "." not in host or any(not label for label in host.split(".")):
        return None
    for prefix in MOBILE_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
            break
    query = parse_qsl(parts.query, keep_blank_values=True)
    app = _app_key(host, parts.path, query)
    if app:
        return app
    kept = sorted(
        (name, value)
        for name, value in query
        if name.lower() not in TRACKING and not name.lower().startswith(TRACKING_PREFIXES)
    )
    path = parts.path.rstrip("/")
    # A page of a one-page site lives in its fragment ("/#/course/12"); any other fragment is a place on the page.
    route = parts.fragment if parts.fragment.startswith(("/", "!/")) else ""
    key = host + path + ("?" + urlencode(kept) if kept else "") + ("#" + route if route else "")
    return key[:MAX_KEY]


def site_of(key):
    """The host of a web key ("example.com/course/1" gives "example.com"); None for an app's key."""
    if key is None or key.startswith(("ios:", "android:")):
        return None
    return re.split(r"[/?#]", key, maxsplit=1)[0]


def lookup_keys(key):
    """The registry keys that would cover a link's key, the most precise first: the key itself, the paths
    above it on its host, its host, then each parent domain of the host (never a bare top-level domain)."""
    site = site_of(key)
    if site is None:
        return [key] if key else []
    found = [key]
    path = key[len(site) :].split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s]
    for cut in range(len(segments), 0, -1):
        found.append(site + "/" + "/".join(segments[:cut]))
    labels = site.split(".")
    found += [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return list(dict.fromkeys(found))


def address_keys(addresses):
    """The keys a platform's registry addresses are found by (addresses that are not links are left out)."""
    return sorted({key for key in (link_key(address) for address in addresses or ()) if key})
