"""The three agent calls the plugin makes, through Ironic's AgentClient.

Only the conductor can command an agent: the agent token lives in the node's
``driver_internal_info`` and Ironic's API masks it. AgentClient adds it to
the command's query string, so errors about a command can carry it (a
refused connection names the URL): ``safe_error`` strips it before an error
is logged or stored, and ``MaskAgentToken`` masks it in AgentClient's own log
lines (it logs such errors as they come).
"""

import logging
import re

from oslo_utils import strutils

from ironic.common import exception
from ironic.common.i18n import _
from ironic.conf import CONF
from ironic.drivers.modules import agent_client

PREPARE_IMAGE = 'standby.prepare_image'
# Seconds to wait for the agent's /v1/status (at most [agent]
# command_timeout): a trivial answer, read under a node's lock by cache_image
# and for each node in turn by the periodic check, so a silent agent must
# not cost a whole command_timeout.
STATUS_TIMEOUT = 10.0


# The token in a command URL's query string, as requests words its errors.
_TOKEN_IN_QUERY = re.compile(r'(agent_token=)[^&\s\'"()]+')


class MaskAgentToken(logging.Filter):
    """Masks ``agent_token=<token>`` in a log record: AgentClient logs a
    failed command's error, which names the URL with the token in it.
    """

    def filter(self, record):
        """Rewrite the record's message without the token; keep it."""
        try:
            text = record.getMessage()
        except Exception:
            return True  # Not ours to break: the handler reports it.
        masked = _TOKEN_IN_QUERY.sub(r'\1***', text)
        if masked != text:
            record.msg, record.args = masked, None
        return True


def _mask_agent_client_logs():
    logger = logging.getLogger(agent_client.__name__)
    if not any(isinstance(f, MaskAgentToken) for f in logger.filters):
        logger.addFilter(MaskAgentToken())


# Commands the plugin sends go through AgentClient, which logs their
# connection errors with the URL; so do a deploy's own, in this conductor.
_mask_agent_client_logs()


def client_for(task):
    """The task's AgentClient (Ironic caches one per task)."""
    return agent_client.get_client(task)


def agent_status(client, node):
    """The agent's GET /v1/status: {"started_at": <epoch s>, "version"}.

    The status needs no token. Raises AgentConnectionFailed when the agent
    cannot be reached or answers anything but a JSON object.
    """
    url = '%s/%s/status' % (node.driver_internal_info['agent_url'],
                            CONF.agent.agent_api_version)
    try:
        # _get_verify: the node's agent_verify_ca, as AgentClient uses it.
        response = client.session.get(url, verify=client._get_verify(node),
                                      timeout=min(
                                          STATUS_TIMEOUT,
                                          CONF.agent.command_timeout))
        response.raise_for_status()
        status = response.json()
    except Exception as e:
        raise exception.AgentConnectionFailed(
            reason=_('Cannot read the agent\'s status at %(url)s: %(error)s')
            % {'url': url, 'error': safe_error(node, e)})
    if not isinstance(status, dict):
        raise exception.AgentConnectionFailed(
            reason=_('Cannot read the agent\'s status at %s: not a JSON '
                     'object') % url)
    return status


def prepare_image(client, node, image_info):
    """Send standby.prepare_image and return at once with the command's
    result (its "id" and "command_status"); the agent downloads and writes
    in the background. Raises AgentInProgress (409, busy), AgentAPIError,
    AgentConnectionFailed.
    """
    # AgentClient has no public prepare_image in Ironic 21.4: _command is
    # how its own methods send (token, retries, busy detection).
    return client._command(node=node, method=PREPARE_IMAGE,
                           params={'image_info': image_info}, wait=False)


def commands(client, node):
    """The agent's command list (GET /v1/commands), one attempt. Raises
    AgentConnectionFailed when the agent cannot be reached or answers
    anything but a list of command objects.
    """
    try:
        result = client.get_commands_status(node, retry_connection=False,
                                            expect_errors=True)
    except exception.IronicException:
        raise
    except Exception as e:
        # AgentClient reads ['commands'] of any answer: an agent's 500 or
        # a body that is no JSON object is a KeyError or a ValueError.
        raise exception.AgentConnectionFailed(
            reason=_('Cannot read the agent\'s command list: %s')
            % safe_error(node, e))
    if not (isinstance(result, list)
            and all(isinstance(c, dict) for c in result)):
        raise exception.AgentConnectionFailed(
            reason=_('Cannot read the agent\'s command list: not a list of '
                     'JSON objects'))
    return result


def find_command(command_list, command_id):
    """The command with this id (the agent keeps every command it ran since
    it started), or None.
    """
    for command in command_list or ():
        if command.get('id') == command_id:
            return command
    return None


def command_error(command):
    """The agent's error for a failed command, as Ironic words it."""
    return agent_client.get_command_error(command)


def safe_error(node, error):
    """The text of an error, without the node's agent token."""
    text = str(error)
    token = node.driver_internal_info.get('agent_secret_token')
    if token:
        text = text.replace(token, '***')
    return strutils.mask_password(text)
