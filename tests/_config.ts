/**
 * For tests that read a configuration: a file written and read as Arsenal reads it, and a file
 * in the original Arsenal's style.
 *
 * @module
 */
import { readConfig } from "../src/setup.ts";
import type { tempDir } from "./_helpers.ts";

/** A temporary directory, as {@linkcode tempDir} makes it. */
export type Dir = Awaited<ReturnType<typeof tempDir>>;

/** Writes `text` as arsenal.conf in `dir` and reads it. */
export async function loadConfig(dir: Dir, text: string, env: Record<string, string> = {}) {
  const file = await dir.write("arsenal.conf", text);
  return { file, ...readConfig(file, env) };
}

/** A config written the way the original Arsenal's deployments wrote theirs. */
export const ORIGINAL_STYLE = (weights: string) => `
[DEFAULT]
debug = False
verbose = True
log_file = /var/log/arsenal/arsenal.log

[director]
scout = onmetal_scout.OnMetalScout
dry_run = True
poll_spacing = 60
directive_spacing = 300
cache_directive_rate_limit = 25
cache_directive_limiting_period = 600
eject_directive_rate_limit = 10
eject_directive_limiting_period = 900
log_statistics = False

[strategy]
module_class = simple_proportional_strategy.SimpleProportionalStrategy
image_weights_filename = ${weights}
default_image_weight = 2

[client_wrapper]
os_username = arsenal
os_password = s3cr#t;pw
os_api_url = https://identity.example.com:5000/v3
os_tenant_name = 123456
os_tenant_id = 123456
region_name = IAD
call_max_retries = 5
call_retry_interval = 3
auth_system = rackspace

[nova]
admin_username = arsenal
admin_url = https://identity.example.com:5000/v3
api_max_retries = 10

[ironic]
admin_username = ironic
admin_password = 'quoted pw'
admin_url = https://identity.example.com:5000/v3
admin_tenant_name = service
api_endpoint = https://ironic.example.com:6385/

[glance]
api_endpoint: https://glance.example.com:9292
admin_auth_token = tok-123
`;
