"""The ``image_info`` of a cache_image call: its checks, and what the agent
is sent.

The shape is the one ironic-python-agent's ``standby.prepare_image`` takes
(and the original Rackspace ``cache_image`` took): ``id``, ``urls``,
``os_hash_algo`` + ``os_hash_value`` or ``checksum``, ``disk_format``.
Only whole-disk images are cached: on a hit the agent skips the write, and a
partition image would then miss its configdrive and partitioning.
"""

from ironic.common.i18n import _

from arsenal_ironic import node_checks

# What ironic-python-agent 9.4 can verify an image with (hashlib.new()).
HASH_ALGORITHMS = ('md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512')
# Glance formats that are no disk: kernels, ramdisks, partition images, ISOs.
NOT_A_DISK = ('aki', 'ari', 'ami', 'iso')
# Keys that only a partition image (or a deploy) carries.
PARTITION_KEYS = ('kernel', 'ramdisk', 'kernel_id', 'ramdisk_id', 'root_gb',
                  'root_mb', 'swap_mb', 'ephemeral_mb', 'ephemeral_format',
                  'preserve_ephemeral')
# Characters that would break properties.capabilities ("key:value,...").
CAPABILITY_SEPARATORS = (',', ':')


class _Refused(Exception):
    """image_info is not cacheable; the message says why."""


def check(node, image_info):
    """Raise InvalidParameterValue (or MissingParameterValue) with the reason
    unless image_info is a whole-disk image the agent can cache.
    """
    if image_info is None:
        node_checks.refuse('cache_image', node,
                           _('the call needs image_info'), missing=True)
    try:
        _check_shape(image_info)
        _check_hash(image_info)
        _check_whole_disk(image_info)
    except _Refused as refused:
        node_checks.refuse('cache_image', node, str(refused))


def agent_params(node, image_info):
    """The image_info sent to the agent: the image, never streamed (only
    the non-streaming write sets the agent's cached_image_id), with the
    node's image proxies as a deploy's write_image sends them.
    """
    sent = {'id': image_info['id'], 'urls': list(image_info['urls']),
            'disk_format': image_info['disk_format'],
            'stream_raw_images': False, 'node_uuid': node.uuid}
    for key in ('container_format', 'checksum', 'os_hash_algo',
                'os_hash_value'):
        if image_info.get(key):
            sent[key] = image_info[key]
    proxies = {scheme: node.driver_info['image_%s_proxy' % scheme]
               for scheme in ('http', 'https')
               if node.driver_info.get('image_%s_proxy' % scheme)}
    if proxies:
        sent['proxies'] = proxies
        if node.driver_info.get('image_no_proxy') is not None:
            sent['no_proxy'] = node.driver_info['image_no_proxy']
    return sent


def _check_shape(image_info):
    if not isinstance(image_info, dict):
        raise _Refused(_('image_info must be an object'))
    image_id = image_info.get('id')
    if not _text(image_id):
        raise _Refused(_('image_info.id must be a non-empty string'))
    if (any(c in image_id for c in CAPABILITY_SEPARATORS)
            or image_id != image_id.strip()):
        raise _Refused(_("image_info.id must not contain ',', ':' or "
                         "surrounding spaces (it is mirrored into "
                         "properties.capabilities)"))
    urls = image_info.get('urls')
    if not isinstance(urls, list) or not urls or not all(map(_text, urls)):
        raise _Refused(_('image_info.urls must be a non-empty list of URLs'))


def _check_hash(image_info):
    algo = image_info.get('os_hash_algo')
    value = image_info.get('os_hash_value')
    checksum = image_info.get('checksum')
    if algo or value:
        if not (_text(algo) and _text(value)):
            raise _Refused(_('image_info.os_hash_algo and os_hash_value go '
                             'together, both non-empty strings'))
        if algo not in HASH_ALGORITHMS:
            raise _Refused(
                _("image_info.os_hash_algo '%(algo)s' is not one of "
                  "%(known)s") % {'algo': algo,
                                  'known': ', '.join(HASH_ALGORITHMS)})
    elif checksum is None:
        raise _Refused(_('image_info needs os_hash_algo and os_hash_value, '
                         'or checksum'))
    if checksum is not None and not _text(checksum):
        raise _Refused(_('image_info.checksum must be a non-empty string'))


def _check_whole_disk(image_info):
    disk_format = image_info.get('disk_format')
    if not _text(disk_format):
        raise _Refused(_('image_info.disk_format must be a non-empty '
                         'string'))
    if disk_format in NOT_A_DISK:
        raise _Refused(_('image_info.disk_format %s cannot be written to a '
                         'disk') % disk_format)
    image_type = image_info.get('image_type', 'whole-disk')
    partition_keys = [k for k in PARTITION_KEYS if image_info.get(k)]
    if image_type != 'whole-disk' or partition_keys:
        raise _Refused(_('only whole-disk images can be cached (image_type '
                         '%(type)s%(keys)s)') % {
            'type': image_type,
            'keys': ''.join(', ' + k for k in partition_keys)})
    if image_info.get('configdrive'):
        raise _Refused(_('image_info carries a configdrive: a deploy writes '
                         'it, a cache never does'))


def _text(value):
    return isinstance(value, str) and bool(value)
