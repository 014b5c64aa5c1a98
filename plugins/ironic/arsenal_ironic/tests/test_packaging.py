"""pyproject.toml and the committed dist-info declare the same package, and
with plugins/ironic on sys.path the entry points resolve without pip.
"""

import configparser
import importlib.metadata
import os
import tomllib
import unittest

import arsenal_ironic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(
    arsenal_ironic.__file__)))


def pyproject():
    with open(os.path.join(ROOT, 'pyproject.toml'), 'rb') as f:
        return tomllib.load(f)['project']


def dist_info():
    names = [n for n in os.listdir(ROOT) if n.endswith('.dist-info')]
    assert len(names) == 1, names
    return os.path.join(ROOT, names[0])


class PackagingTestCase(unittest.TestCase):

    def test_dist_info_is_named_after_the_project_version(self):
        expected = 'arsenal_ironic-%s.dist-info' % pyproject()['version']
        self.assertEqual(expected, os.path.basename(dist_info()))

    def test_metadata_matches_pyproject(self):
        with open(os.path.join(dist_info(), 'METADATA')) as f:
            lines = dict(line.split(': ', 1) for line in f.read().splitlines()
                         if ': ' in line)
        self.assertEqual(pyproject()['name'], lines['Name'])
        self.assertEqual(pyproject()['version'], lines['Version'])
        with open(os.path.join(dist_info(), 'top_level.txt')) as f:
            self.assertEqual(['arsenal_ironic'], f.read().split())

    def test_entry_points_match_pyproject(self):
        parser = configparser.ConfigParser(delimiters=('=',))
        parser.optionxform = str
        parser.read(os.path.join(dist_info(), 'entry_points.txt'))
        committed = {group: dict(parser.items(group))
                     for group in parser.sections()}
        self.assertEqual(pyproject()['entry-points'], committed)

    def test_entry_points_resolve_from_this_folder(self):
        dist = importlib.metadata.distribution(pyproject()['name'])
        self.assertEqual(os.path.realpath(dist_info()),
                         os.path.realpath(str(dist._path)))
        found = {(ep.group, ep.name): ep for ep in dist.entry_points}
        self.assertIn(('ironic.hardware.interfaces.vendor', 'arsenal'), found)
        self.assertIn(('ironic.hardware.interfaces.deploy', 'arsenal-direct'),
                      found)
        self.assertIn(('ironic.hardware.types', 'arsenal-ipmi'), found)
        self.assertIn(('ironic.hardware.types', 'arsenal-redfish'), found)
        for ep in found.values():
            self.assertIsNotNone(ep.load(), ep.value)
