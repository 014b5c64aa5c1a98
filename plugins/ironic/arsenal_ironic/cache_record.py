"""The cache record in ``driver_internal_info`` and its capability mirror.

The record, ``driver_internal_info["arsenal_cache"]``, is what the plugin
knows of the image on a node's disk::

    {"image_id": "...", "status": "caching" | "cached" | "failed" | "lost",
     "agent_started_at": <the agent's /v1/status started_at>,
     "agent_url": "...", "since": "<ISO 8601, UTC>",
     "command_id": "<the agent's prepare_image command>",
     "error": "..." (failed and lost only)}

While a record is ``cached`` the node's ``properties.capabilities`` holds
``arsenal_cached_image:<image_id>`` (Nova's scheduler sees capabilities in the
host's stats); otherwise it holds no such capability.

Every function here edits the node object only: the caller holds the node's
exclusive lock and saves it.
"""

from oslo_utils import timeutils

KEY = 'arsenal_cache'
CAPABILITY = 'arsenal_cached_image'

CACHING = 'caching'
CACHED = 'cached'
FAILED = 'failed'
LOST = 'lost'
# Statuses the periodic check follows; failed and lost are final.
LIVE = (CACHING, CACHED)


def get(node):
    """The node's record, or None."""
    record = node.driver_internal_info.get(KEY)
    return record if isinstance(record, dict) else None


def new(image_id, agent_started_at, agent_url, command_id, status=CACHING,
        error=None):
    """A record of a prepare_image command just sent to the agent."""
    record = {'image_id': image_id, 'status': status,
              'agent_started_at': agent_started_at, 'agent_url': agent_url,
              'since': _now(), 'command_id': command_id}
    if error is not None:
        record['error'] = error
    return record


def moved(record, status, error=None):
    """A copy of the record in a new status, since now."""
    result = {k: v for k, v in record.items() if k != 'error'}
    result.update(status=status, since=_now())
    if error is not None:
        result['error'] = error
    return result


def put(node, record):
    """Store the record and mirror it into the capabilities."""
    node.set_driver_internal_info(KEY, record)
    _mirror(node, record)


def clear(node):
    """Remove the record and the capability."""
    node.del_driver_internal_info(KEY)
    _mirror(node, None)


def _mirror(node, record):
    cached = record is not None and record.get('status') == CACHED
    wanted = '%s:%s' % (CAPABILITY, record['image_id']) if cached else None
    properties = dict(node.properties or {})
    current = properties.get('capabilities') or ''
    if not isinstance(current, str):
        return  # Not Ironic's format: leave what an operator wrote alone.
    entries = [e for e in current.split(',') if e.strip()]
    kept = [e for e in entries
            if e.split(':', 1)[0].strip() != CAPABILITY]
    if wanted:
        kept.append(wanted)
    if kept == entries:
        return
    if kept:
        properties['capabilities'] = ','.join(kept)
    else:
        properties.pop('capabilities', None)
    node.properties = properties


def _now():
    return timeutils.utcnow(with_timezone=True).isoformat()
