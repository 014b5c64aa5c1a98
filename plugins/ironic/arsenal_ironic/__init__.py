"""Arsenal's plugins for OpenStack Ironic's conductor and Nova's scheduler."""
