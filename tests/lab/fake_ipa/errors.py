"""The agent's errors as ironic-python-agent 9.4 defines and serializes them (errors.py).

Ironic reads `command_error` of a failed command (a dict with type, code, message, details) and
the `faultstring` of an HTTP error ("<message>: <details>"), so both shapes are kept exactly.
"""


class RESTError(Exception):
    """Base of every agent error: serialized as {type, code, message, details}."""
    message = 'An error occurred'
    details = 'An unexpected error occurred. Please try back later.'
    status_code = 500

    def __init__(self, details=None):
        super().__init__()
        if details:
            self.details = details

    def __str__(self):
        return '{}: {}'.format(self.message, self.details)

    def serialize(self):
        """The command_error form."""
        return {'type': type(self).__name__, 'code': self.status_code,
                'message': self.message, 'details': self.details}


class InvalidContentError(RESTError):
    """Invalid request content: returned to the caller as HTTP 400."""
    message = 'Invalid request body'
    status_code = 400


class NotFound(RESTError):
    """An unknown endpoint or object: HTTP 404."""
    message = 'Not found'
    status_code = 404
    details = 'The requested URL was not found.'


class CommandExecutionError(RESTError):
    """A command failed to execute."""
    message = 'Command execution failed'


class InvalidCommandError(InvalidContentError):
    """An unknown command."""
    message = 'Invalid command'


class InvalidCommandParamsError(InvalidContentError):
    """Invalid command parameters (the validators of standby)."""
    message = 'Invalid command parameters'


class RequestedObjectNotFoundError(NotFound):
    """An unknown extension or command result."""

    def __init__(self, type_descr, obj_id):
        super().__init__('{} with id {} not found.'.format(type_descr, obj_id))


class AgentIsBusy(CommandExecutionError):
    """A command is still running: HTTP 409."""
    message = 'Agent is busy'
    status_code = 409

    def __init__(self, command_name):
        super().__init__('executing command %s' % command_name)


class ImageDownloadError(RESTError):
    """The image could not be downloaded."""
    message = 'Error downloading image'

    def __init__(self, image_id, msg):
        self.secondary_message = msg
        super().__init__('Download of image {} failed: {}'.format(image_id, msg))


class ImageChecksumError(RESTError):
    """The downloaded image does not match its checksum."""
    message = 'Error verifying image checksum'
    details_str = ('Image failed to verify against checksum. location: {}; '
                   'image ID: {}; image checksum: {}; verification '
                   'checksum: {}')

    def __init__(self, image_id, image_location, checksum, calculated_checksum):
        super().__init__(self.details_str.format(image_location, image_id, checksum,
                                                 calculated_checksum))


class ImageWriteError(RESTError):
    """The image could not be written to the disk."""
    message = 'Error writing image to device'

    def __init__(self, device, exit_code, stdout, stderr):
        super().__init__('Writing image to device {} failed with exit code {}. stdout: {}. '
                         'stderr: {}'.format(device, exit_code, stdout, stderr))


class HardwareManagerMethodNotFound(RESTError):
    """No hardware manager has the step."""
    message = 'No HardwareManager found to handle method'

    def __init__(self, method):
        super().__init__('Could not find method: {}'.format(method))


class VersionMismatch(RESTError):
    """Ironic cached other hardware manager versions than this agent has."""
    message = 'Hardware managers version mismatch, reload agent with correct version'

    def __init__(self, agent_version, node_version):
        self.status_code = 409
        super().__init__('Current versions: {}, versions used by ironic: {}'.format(
            agent_version, node_version))


class CleaningError(RESTError):
    """A clean step failed."""
    message = 'Clean step failed'


class DeploymentError(RESTError):
    """A deploy step failed."""
    message = 'Deploy step failed'


class InvalidImage(DeploymentError):
    """The image failed the format inspection (IPA 9.4.2 and later)."""
    message = 'The provided image is not valid for use'


class InstanceDeployFailure(RESTError):
    """ironic-lib's InstanceDeployFailure, as raised by _validate_partitioning."""
    message = 'Failed to deploy instance'
    status_code = 500

    def __init__(self, msg):
        super().__init__(msg)
        self._text = msg

    def __str__(self):
        return self._text

    def serialize(self):
        # ironic-lib exceptions are serialized by encoding.serialize_lib_exc
        return {'type': type(self).__name__, 'code': self.status_code,
                'message': self._text, 'details': ''}
