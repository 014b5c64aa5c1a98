/**
 * The four prom-client classes Arsenal uses, each from its own file: the package's index also
 * loads the Pushgateway (Node's http and https), the default process metrics and the cluster
 * aggregator, which took a third of `run`'s start. Typed as the package declares them. Every
 * group of metrics imports prom-client from here, never from the package's index.
 *
 * @module
 */
import type * as PromClient from "prom-client";
import CounterClass from "prom-client/lib/counter.js";
import GaugeClass from "prom-client/lib/gauge.js";
import HistogramClass from "prom-client/lib/histogram.js";
import RegistryClass from "prom-client/lib/registry.js";

/** A registry of metrics. */
export const Registry = RegistryClass as typeof PromClient.Registry;
/** A registry of metrics. */
export type Registry = PromClient.Registry;
/** A counter. */
export const Counter = CounterClass as typeof PromClient.Counter;
/** A counter. */
export type Counter<T extends string = string> = PromClient.Counter<T>;
/** A gauge. */
export const Gauge = GaugeClass as typeof PromClient.Gauge;
/** A gauge. */
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
/** A histogram. */
export const Histogram = HistogramClass as typeof PromClient.Histogram;
/** A histogram. */
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
