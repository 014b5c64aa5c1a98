"""Keystone public WSGI app for the sqlite test setup (served by launch.py).

Keystone 22.0.2 (Debian 12) has a session leak that only hurts with sqlite:
keystone.federation.backends.sql.Federation.get_enabled_service_providers()
returns a *lazy* Query from inside `with sql.session_for_read()`.  It is
iterated after the context closed, which opens a new transaction on that
session that is never ended.  Keystone's sqlite engine issues an explicit
BEGIN, so that transaction holds a SHARED lock, and every later write (e.g.
POST /v3/services or /v3/endpoints after any token was issued) waits the 5 s
busy timeout and fails with 500 "database is locked".  It runs on every token
issue/validation (the token body lists service providers).

Fix: materialise the rows inside the session.  Nothing else is changed.
"""
from keystone.common import sql
from keystone.federation.backends import sql as federation_sql


def _get_enabled_service_providers(self):
    with sql.session_for_read() as session:
        query = session.query(federation_sql.ServiceProviderModel)
        return list(query.filter_by(enabled=True))


federation_sql.Federation.get_enabled_service_providers = _get_enabled_service_providers


def initialize_public_application():
    from keystone.server import wsgi
    return wsgi.initialize_public_application()
