"""The standby extension of ironic-python-agent 9.4.3 (extensions/standby.py), on a disk file.

What matters to Arsenal is kept exactly:
* `prepare_image` skips download and write when `cached_image_id == image_info['id']`;
* only the non-streaming path (`stream_raw_images` false, or a disk format other than raw) sets
  `cached_image_id`: it downloads to the ramdisk's tmpfs, verifies the hash, then writes the disk;
* the streaming path writes the disk while downloading and never sets `cached_image_id`;
* the partition table is checked after every prepare_image, cache hit or not;
* the hash is os_hash_algo/os_hash_value when the algorithm is known, else the MD5 `checksum`;
* retries: IPA retries a failed GET inside `_download_with_proxy` (its `resp and ...` test never
  stops on 4xx) and again around the whole download, so a failing URL is fetched
  (retries + 1)^2 times.
Whole-disk images only: a partition image fails the step (the lab does not partition disks).
"""
import hashlib
import logging
import os
import urllib.error
import urllib.request

from fake_ipa import errors
from fake_ipa.disk import DEVICE

LOG = logging.getLogger('fake_ipa')
IMAGE_CHUNK_SIZE = 1024 * 1024
QCOW2_MAGIC = b'QFI\xfb'


def validate_image_info(image_info=None, **_):
    """standby._validate_image_info: raises InvalidCommandParamsError (HTTP 400)."""
    image_info = image_info or {}
    for field in ('id', 'urls'):
        if field not in image_info:
            raise errors.InvalidCommandParamsError(
                "Image is missing '{}' field.".format(field))
    if type(image_info['urls']) != list or not image_info['urls']:
        raise errors.InvalidCommandParamsError(
            "Image 'urls' must be a list with at least one element.")
    md5_ok = False
    checksum = image_info.get('checksum')
    if checksum is not None:
        if not isinstance(checksum, str) or not checksum:
            raise errors.InvalidCommandParamsError("Image 'checksum' must be a non-empty string.")
        md5_ok = True
    algo = image_info.get('os_hash_algo')
    value = image_info.get('os_hash_value')
    hash_ok = False
    if algo or value:
        if not isinstance(algo, str) or not algo:
            raise errors.InvalidCommandParamsError(
                "Image 'os_hash_algo' must be a non-empty string.")
        if not isinstance(value, str) or not value:
            raise errors.InvalidCommandParamsError(
                "Image 'os_hash_value' must be a non-empty string.")
        hash_ok = True
    if not (md5_ok or hash_ok):
        raise errors.InvalidCommandParamsError(
            "Image checksum is not available, either the 'checksum' field or the "
            "'os_hash_algo' and 'os_hash_value' fields pair must be set for image "
            "verification.")


class Downloader:
    """HTTP GETs with IPA's retry settings (ipa-image-download-connection-*)."""

    def __init__(self, retries, retry_interval, timeout, stopped):
        self.retries = retries
        self.retry_interval = retry_interval
        self.timeout = timeout
        self.stopped = stopped  # threading.Event: the machine lost power

    def sleep(self, seconds):
        if self.stopped.wait(seconds):
            raise errors.ImageDownloadError('', 'the machine was powered off')

    def get(self, url, image_id):
        """_download_with_proxy: an open 200 response, retried on any failure."""
        for attempt in range(self.retries + 1):
            try:
                resp = urllib.request.urlopen(url, timeout=self.timeout)
                if resp.status != 200:
                    resp.close()
                    raise errors.ImageDownloadError(
                        image_id, 'Received status code {} from {}, expected 200.'.format(
                            resp.status, url))
                return resp
            except urllib.error.HTTPError as e:
                body = e.read(512).decode(errors='replace')
                err = errors.ImageDownloadError(
                    image_id, 'Received status code {} from {}, expected 200. Response body: '
                    '{}'.format(e.code, url, body))
            except (OSError, errors.ImageDownloadError) as e:
                err = e if isinstance(e, errors.ImageDownloadError) else \
                    errors.ImageDownloadError(image_id, str(e))
            if attempt == self.retries:
                raise err
            LOG.warning('Unable to connect to %s, retrying. Error: %s', url, err)
            self.sleep(self.retry_interval)


class ImageDownload:
    """standby.ImageDownload: the first URL that answers, its chunks hashed on the fly."""

    def __init__(self, image_info, downloader):
        self.image_info = image_info
        self.stopped = downloader.stopped
        algo = image_info.get('os_hash_algo')
        if algo and algo in hashlib.algorithms_available:
            self.hash = hashlib.new(algo)
            expected = image_info.get('os_hash_value')
        elif image_info.get('checksum'):
            self.hash = hashlib.md5()
            expected = image_info['checksum']
        else:
            raise errors.RESTError(
                "Unable to verify image {} with available checksums. Please make sure the "
                "specified 'os_hash_algo' (currently {}) is supported by this ramdisk, or "
                "provide a md5 checksum via the 'checksum' field".format(
                    image_info['id'], algo))
        self.expected = self._fetch_checksum(expected, downloader)
        details = []
        for url in image_info['urls']:
            try:
                self.response = downloader.get(url, image_info['id'])
                break
            except errors.ImageDownloadError as e:
                details.append('URL: {}; Error: {}'.format(url, e.secondary_message))
        else:
            raise errors.ImageDownloadError(image_info['id'], '\n '.join(details))
        self.bytes = 0

    def _fetch_checksum(self, checksum, downloader):
        if not checksum.startswith(('http://', 'https://')):
            return checksum
        with downloader.get(checksum, checksum) as resp:
            text = resp.read().decode(errors='replace')
        lines = [line.strip() for line in text.split('\n') if line.strip()]
        if not lines:
            raise errors.ImageDownloadError(checksum, 'Empty checksum file')
        if len(lines) == 1 and ' ' not in lines[0]:
            return lines[0]
        expected_fname = os.path.basename(urllib.request.urlparse(
            self.image_info['urls'][0]).path)
        for line in lines:
            value, fname = line.split(None, 1)
            if fname.strip().lstrip('*') == expected_fname:
                return value.strip()
        raise errors.ImageDownloadError(
            checksum, 'Checksum file does not contain name %s' % expected_fname)

    def chunks(self):
        """The body in 1 MiB chunks, hashed as they pass."""
        with self.response as resp:
            while True:
                if self.stopped.is_set():
                    raise errors.ImageDownloadError(self.image_info['id'],
                                                    'the machine was powered off')
                chunk = resp.read(IMAGE_CHUNK_SIZE)
                if not chunk:
                    return
                self.hash.update(chunk)
                self.bytes += len(chunk)
                yield chunk

    def verify(self, location):
        """Raises ImageChecksumError when the hash differs."""
        actual = self.hash.hexdigest()
        if actual != self.expected:
            raise errors.ImageChecksumError(self.image_info['id'], location, self.expected,
                                            actual)


class StandbyExtension:
    """standby.*: prepare_image, cache_image, get_partition_uuids, power_off, run_image, sync."""

    def __init__(self, agent):
        self.agent = agent
        self.cached_image_id = None
        self.partition_uuids = None

    # -- image writing -------------------------------------------------------------------------

    def _download_image(self, image_info):
        """Downloads to the ramdisk's tmpfs and verifies, with IPA's outer retries."""
        location = os.path.join(self.agent.tmpfs, image_info['id'].replace('/', '_'))
        dl = self.agent.downloader
        for attempt in range(dl.retries + 1):
            try:
                download = ImageDownload(image_info, dl)
                with open(location, 'wb') as f:
                    try:
                        for chunk in download.chunks():
                            f.write(chunk)
                    except OSError as e:
                        raise errors.ImageDownloadError(
                            image_info['id'],
                            'Unable to write image to {}. Error: {}'.format(location, e))
                download.verify(location)
                return location
            except (errors.ImageDownloadError, errors.ImageChecksumError) as e:
                if attempt == dl.retries:
                    raise
                LOG.warning('Image download failed, %s of %s: %s', attempt, dl.retries, e)
                dl.sleep(dl.retry_interval)

    def _write_image(self, image_info, location):
        """_write_image for a whole-disk image: format inspection, then the bytes to the disk."""
        with open(location, 'rb') as f:
            magic = f.read(4)
        declared = image_info.get('disk_format')
        detected = 'qcow2' if magic == QCOW2_MAGIC else 'raw'
        if declared == 'raw' and detected != 'raw':
            raise errors.InvalidImage(
                'Image format mismatch: ironic says raw, the image is {}'.format(detected))
        if detected != 'raw':
            raise errors.ImageWriteError(DEVICE, 1, '',
                                         'the lab agent writes raw images only, not ' + detected)
        disk = self.agent.machine.disk
        disk.zero_metadata()
        with disk.lock, open(location, 'rb') as src, disk.open_for_write() as dst:
            while True:
                chunk = src.read(IMAGE_CHUNK_SIZE)
                if not chunk:
                    break
                dst.write(chunk)

    def _cache_and_write_image(self, image_info):
        location = self._download_image(image_info)
        try:
            self._write_image(image_info, location)
        finally:
            os.unlink(location)
        self.partition_uuids = {}
        self.cached_image_id = image_info['id']

    def _stream_raw_image_onto_device(self, image_info):
        dl = self.agent.downloader
        disk = self.agent.machine.disk
        for attempt in range(dl.retries + 1):
            try:
                download = ImageDownload(image_info, dl)
                with disk.lock, disk.open_for_write() as f:
                    try:
                        for chunk in download.chunks():
                            f.write(chunk)
                    except OSError as e:
                        raise errors.ImageDownloadError(
                            image_info['id'],
                            'Unable to write image to device {}. Error: {}'.format(DEVICE, e))
                download.verify(DEVICE)
                break
            except (errors.ImageDownloadError, errors.ImageChecksumError) as e:
                if attempt == dl.retries:
                    raise
                LOG.warning('Image download failed, %s of %s: %s', attempt, dl.retries, e)
                dl.sleep(dl.retry_interval)
        self.partition_uuids['root uuid'] = disk.identifier()

    def _validate_partitioning(self):
        if not self.agent.machine.disk.partition_count():
            raise errors.InstanceDeployFailure(
                'No partitions found on the device {} after writing the image.'.format(DEVICE))

    def _fix_up_partition_uuids(self, image_info):
        if self.partition_uuids is None:
            self.partition_uuids = {}
        if image_info.get('image_type') == 'partition':
            return
        self.partition_uuids['root uuid'] = self.agent.machine.disk.identifier()

    def _message(self, msg, image_info):
        return (msg + 'root_uuid={}').format(image_info['id'], DEVICE,
                                            self.partition_uuids.get('root uuid'))

    def prepare_image(self, image_info, configdrive=None):
        """The body of standby.prepare_image (also the write_image deploy step)."""
        if configdrive is None:
            configdrive = image_info.pop('configdrive', None)
        if image_info.get('image_type') == 'partition':
            raise errors.ImageWriteError(DEVICE, 1, '',
                                         'the lab agent does not write partition images')
        stream = image_info.get('stream_raw_images', False)
        if self.cached_image_id != image_info['id']:
            if self.cached_image_id is not None:
                LOG.info('Already had %s cached, overwriting', self.cached_image_id)
            if stream and image_info.get('disk_format') == 'raw':
                self.partition_uuids = {}
                self._stream_raw_image_onto_device(image_info)
            else:
                self._cache_and_write_image(image_info)
        self._validate_partitioning()
        # a whole-disk configdrive would become a partition at the disk's end: not modelled
        self._fix_up_partition_uuids(image_info)
        return self._message('image ({}) written to device {} ', image_info)

    def cache_image(self, image_info, force=False, configdrive=None):
        """The body of standby.cache_image (kept in 9.4; removed in 9.8 as unused)."""
        msg = 'image ({}) already present on device {} '
        if self.cached_image_id != image_info['id'] or force:
            if configdrive is None:
                image_info.pop('configdrive', None)
            self._cache_and_write_image(image_info)
            msg = 'image ({}) cached to device {} '
        self._fix_up_partition_uuids(image_info)
        return self._message(msg, image_info)

    # -- the command table ---------------------------------------------------------------------

    def execute(self, command, **params):
        """Dispatches standby.<command> as IPA's decorators would."""
        a = self.agent
        if command == 'prepare_image':
            validate_image_info(**params)
            return a.run_async(command, params, lambda: self.prepare_image(**params))
        if command == 'cache_image':
            validate_image_info(**params)
            return a.run_async(command, params, lambda: self.cache_image(**params))
        if command == 'get_partition_uuids':
            return a.run_sync(command, params, lambda: self.get_partition_uuids(**params))
        if command == 'power_off':
            return a.run_async(command, params, lambda: a.shut_down('poweroff', **params))
        if command == 'run_image':
            return a.run_async(command, params, lambda: a.shut_down('reboot', **params))
        if command == 'sync':
            return a.run_sync(command, params, lambda: self.sync(**params))
        raise errors.InvalidCommandError('Unknown command: {}'.format(command))

    def get_partition_uuids(self):
        """None until prepare_image ran; {} for whole-disk images without an identifier."""
        return self.partition_uuids or {}

    def sync(self):
        """Flushes buffers: the disk file is written synchronously already."""
        return None
