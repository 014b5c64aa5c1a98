"""Nova scheduler weigher that favours Ironic nodes caching the image.

Arsenal's Ironic plugin mirrors a node's cached image into the node's
``properties.capabilities`` as ``arsenal_cached_image:<image id>``. Nova's
Ironic driver turns capabilities into the compute node's stats, which the
scheduler's ``HostState`` carries, so a deploy of that image can land where
the agent already holds it. Enable it in nova.conf::

    [filter_scheduler]
    weight_classes = nova.scheduler.weights.all_weighers,
                     arsenal_ironic.nova.CachedImageWeigher
"""

from oslo_config import cfg

import nova.conf
from nova.scheduler import utils
from nova.scheduler import weights

CONF = nova.conf.CONF

STAT = 'arsenal_cached_image'

opts = [
    cfg.FloatOpt('arsenal_cached_image_weight_multiplier',
                 default=1.0,
                 help="""
Multiplier for the weight of a host that caches the requested image.

A host whose stats hold ``arsenal_cached_image`` equal to the request's image
id weighs 1.0 times this multiplier; every other host weighs 0. Ironic
reports no vCPU, RAM or disk for its nodes, so the RAM, CPU, disk and I/O
weighers tie on them and the default is enough for a cached node to win, while
a node's failed builds (``build_failure_weight_multiplier``) still outweigh
it. 0.0 turns the preference off. Aggregate metadata of the same name
overrides it per aggregate.
"""),
]

CONF.register_opts(opts, group='filter_scheduler')


def list_opts():
    """This module's options by group, for oslo-config-generator."""
    return [('filter_scheduler', opts)]


class CachedImageWeigher(weights.BaseHostWeigher):
    """Weigh a host caching the requested image above all others."""

    def weight_multiplier(self, host_state):
        """Override the weight multiplier."""
        return utils.get_weight_multiplier(
            host_state, 'arsenal_cached_image_weight_multiplier',
            CONF.filter_scheduler.arsenal_cached_image_weight_multiplier)

    def _weigh_object(self, host_state, spec_obj):
        """1 when the host caches the image the request boots from, else 0."""
        image_id = _requested_image_id(spec_obj)
        if image_id is None:
            return 0
        # A HostState that never read its compute node has no stats at all.
        cached = (getattr(host_state, 'stats', None) or {}).get(STAT)
        return 1 if cached is not None and cached.strip() == image_id else 0


def _requested_image_id(spec_obj):
    """The id of the image written to the node's disk, or None."""
    if 'image' not in spec_obj or spec_obj.image is None:
        return None
    # A volume created from an image carries that image's id, yet the node
    # boots from the volume and writes nothing to its disk.
    if 'is_bfv' in spec_obj and spec_obj.is_bfv:
        return None
    if 'id' not in spec_obj.image:
        return None
    return spec_obj.image.id or None
