"""Configuration options of the Arsenal plugin: the ``[arsenal]`` group."""

from oslo_config import cfg

CONF = cfg.CONF

GROUP = 'arsenal'

OPTS = [
    cfg.IntOpt('cache_check_interval',
               default=60,
               min=0,
               help='Seconds between two checks of the image caches that '
                    'the arsenal vendor interface recorded: a caching image '
                    'becomes cached or failed from the agent\'s command '
                    'status, and any record becomes lost when the agent '
                    'restarted, its heartbeat went stale or the node left '
                    '"available". Each check of a node reads the agent\'s '
                    'status (and, while caching, its command list). 0 '
                    'disables the check (records then stay as written).'),
    cfg.IntOpt('deploy_wait_for_agent',
               default=1200,
               min=0,
               help='Seconds the arsenal-direct deploy interface waits, '
                    'before it writes the image, for the agent to finish the '
                    'command it runs (an image it is caching). Past it the '
                    'write_image step fails, naming that command. 0: do not '
                    'wait (a busy agent fails the step at once).'),
]

CONF.register_opts(OPTS, group=GROUP)


def list_opts():
    """The options for oslo-config-generator (namespace arsenal_ironic)."""
    return [(GROUP, OPTS)]
