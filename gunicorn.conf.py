"""gunicorn settings for production: access log lines that keep no query string, address or referrer.

gunicorn reads this file by itself when started from the repository's top folder
(`gunicorn wsgi:app`); `-c gunicorn.conf.py` names it explicitly. Flask's own
development server (`flask run`) logs whole request lines: it is for development only.
"""

import os

# Only the reverse proxy in front talks to the app: with TRUSTED_PROXIES set, whoever reaches
# gunicorn directly could name any client address in X-Forwarded-For and slip past every
# per-client limit. Bind to another address only behind a firewall that lets only the proxy in.
bind = os.environ.get("TIPLINE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))

accesslog = "-"
errorlog = "-"
# Query strings carry platform search terms and filters (what someone looked for), and the
# referrer carries the previous page's; reporters' addresses are never kept either. So the
# line holds the time, method, path without query (%(U)s, never %(r)s or %(q)s), status,
# size and duration in milliseconds.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
