/**
 * A training toast's words: the reason first, files by their last name (the output channel keeps the whole
 * message), what a first line ending in ':' introduces kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastName, toastReason } from '../../../src/vscode/training/toastText';

test('a refusal that starts with a long temporary path says the reason first, the file and line after it', () => {
  const file = '/tmp/dcgan-lab-e2e-train-L6QeWU/upsample.py';
  const message = `${file}:66: Discriminator on [8, 1, 40, 40]: RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x1152 and 512x1)`;
  const expected = 'Discriminator on [8, 1, 40, 40]: RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x1152 and 512x1) (upsample.py:66)';
  assert.equal(toastReason(message, [file]), expected);
  // a path the caller does not name is found too
  assert.equal(toastReason(message), expected);
  assert.equal(toastReason('/home/me/proj/gan.py: no generator class found (classes: D); name it with --generator CLASS'),
    'no generator class found (classes: D); name it with --generator CLASS (gan.py)');
  assert.equal(toastReason('C:\\Users\\me\\proj\\gan.py:3: D: RuntimeError: boom'), 'D: RuntimeError: boom (gan.py:3)');
});

test('a path the caller names may hold spaces; a path inside the reason becomes its last name', () => {
  assert.equal(toastReason('/Users/me/My Models/gan.py:12: Generator(...) could not be built: NameError: x', ['/Users/me/My Models/gan.py']),
    'Generator(...) could not be built: NameError: x (gan.py:12)');
  assert.equal(toastReason('no readable images in /tmp/ws/not images: 1 file(s), e.g. notes.txt: not an image', ['/tmp/ws/not images', '/tmp/ws/runs/run-1']),
    'no readable images in not images: 1 file(s), e.g. notes.txt: not an image');
  assert.equal(toastReason('RuntimeError: boom (/home/u/proj/models.py:42, in forward: y = self.fc(x) / 2) at step 3'),
    'RuntimeError: boom (models.py:42, in forward: y = self.fc(x) / 2) at step 3');
  assert.equal(toastReason('Data folder not found: /tmp/ws/images. Choose a folder of images.'), 'Data folder not found: images. Choose a folder of images.');
  // a known folder's files keep their own last name, not the folder's
  assert.equal(toastReason('the run keeps its last good checkpoint (/tmp/ws/runs/run-1/checkpoint.safetensors).', ['/tmp/ws/runs/run-1']),
    'the run keeps its last good checkpoint (checkpoint.safetensors).');
});

test('URLs, package names and relative paths are left alone', () => {
  const m = 'npm could not reach https://registry.npmjs.org/ (ENOTFOUND); point TFJS_NODE_CDN_STORAGE at a mirror of its tensorflow/libtensorflow/ folder (@tensorflow/tfjs-node-gpu@4.22.0)';
  assert.equal(toastReason(m), m);
});

test('the first line, with the list a first line ending in \':\' introduces', () => {
  assert.equal(toastReason('The training worker was killed (SIGKILL).\nlast lines:\n  a\n  b'), 'The training worker was killed (SIGKILL).');
  assert.equal(toastReason('No training backend could start:\n  wasm: not loaded\n  cpu: not loaded'), 'No training backend could start: wasm: not loaded; cpu: not loaded');
  assert.equal(lastName('/data/faces/'), 'faces');
});
