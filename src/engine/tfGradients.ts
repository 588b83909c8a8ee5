/**
 * Gradients for the bundled tfjs-core (wasm and cpu backends): tfjs-core registers none by itself.
 * Order matters: tfjs-core's Node build (the one the backends load) must create the global engine before
 * `register_all_gradients`, which loads tfjs-core's ES build; loaded the other way round, gradient functions
 * run against an engine that was never set up ("Cannot read properties of null (reading 'clone')").
 * tfjs-node(-gpu) bring their own tfjs with its gradients.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
