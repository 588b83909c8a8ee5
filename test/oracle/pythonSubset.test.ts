/**
 * The interpreter's Python against real Python: each snippet sets `result`; our static evaluation and
 * CPython must print the same repr. Covers the constructs model files are written in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileAnalysis } from '../../src/core/analysis';
import { repr } from '../../src/core/python/values';
import { requireTorch, runPython } from '../support/oracle';

const SNIPPETS: Record<string, string> = {
  arithmetic: 'result = (7 // 2, -7 // 2, 7 % 3, -7 % 3, 2 ** 10, 7 / 2, 3 * 4 - 1, 1 << 4, 100 >> 3, 2 ** -1)',
  intConversions: 'import math\nresult = (int(3.9), int(-3.9), int("42"), round(2.5), round(3.5), math.floor(2.7), math.ceil(2.1), math.log2(256), math.sqrt(16))',
  numpyProd: 'import numpy as np\nimg_shape = (1, 28, 28)\nresult = (int(np.prod(img_shape)), np.prod([2, 3, 4]))',
  builtinsMinMax: 'result = (min(3, 1, 2), max([4, 9, 2]), len("abc"), sum([1, 2, 3]), abs(-5), min(64 * 8, 256))',
  ranges: 'result = (list(range(5)), list(range(2, 10, 3)), list(range(10, 0, -4)), len(range(0, 100, 7)))',
  comprehensions: 'result = ([i * i for i in range(6) if i % 2 == 0], {k: v for k, v in zip("ab", (1, 2))}, tuple(x + 1 for x in (1, 2)))',
  nestedComprehension: 'result = [(i, j) for i in range(3) for j in range(i)]',
  starUnpacking: 'a, *b, c = [1, 2, 3, 4, 5]\nfirst, second = (10, 20)\nresult = (a, b, c, first, second, [*b, *b])',
  fstrings: 'n = 64\nresult = (f"size {n}x{n}", "%d-%s" % (3, "x"), "{}/{}".format(1, 2), "a" + "b" * 3)',
  conditionals: 'x = 5\nif x > 10:\n    r = "big"\nelif x > 3:\n    r = "mid"\nelse:\n    r = "small"\nresult = (r, "y" if x else "n", x > 3 and x < 10, not x, x or 7, 0 or 7)',
  whileLoop: 'size = 4\nn = 0\nwhile size < 64:\n    size *= 2\n    n += 1\nresult = (size, n)',
  forElseBreak: 'found = None\nfor i in range(10):\n    if i * i > 20:\n        found = i\n        break\nelse:\n    found = -1\nresult = found',
  functionsDefaults: 'def block(i, o, normalize=True, *rest, scale=2, **kw):\n    return (i, o, normalize, rest, scale, sorted(kw.keys()))\nresult = (block(1, 2), block(1, 2, False, 9, scale=3, extra=1))',
  closures: 'def make(k):\n    def f(x):\n        return x * k\n    return f\nresult = make(3)(5)',
  layerListHelper: 'def stage(i, o, bn=True):\n    layers = [("conv", i, o)]\n    if bn:\n        layers.append(("bn", o))\n    layers += [("act",)]\n    return layers\nresult = [*stage(3, 8, bn=False), *stage(8, 16)]',
  classes: 'class A:\n    base = 10\n    def __init__(self, x):\n        self.x = x\n    def get(self):\n        return self.x + self.base\nclass B(A):\n    def __init__(self, x):\n        super().__init__(x * 2)\nresult = (A(1).get(), B(1).get(), isinstance(B(1), A))',
  dicts: 'd = {"a": 1, "b": 2}\nd["c"] = 3\nd.update(e=4)\nresult = (sorted(d.keys()), d.get("z", 0), list(d.items())[0], "a" in d, len(d))',
  slicing: 'xs = [0, 1, 2, 3, 4, 5, 6]\nresult = (xs[1:3], xs[::-1], xs[-2:], xs[::3], xs[5:1:-2], (1, 2, 3)[-1], "hello"[1:4])',
  enumerateZip: 'result = (list(enumerate("ab", 1)), list(zip([1, 2, 3], "xy")), list(reversed([1, 2])), any([0, 0, 1]), all([]))',
  argparseDefaults: 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--img_size", type=int, default=32)\np.add_argument("--lr", type=float, default=0.0002)\np.add_argument("--cuda", action="store_true")\np.add_argument("--name", default="run")\nopt = p.parse_args([])\nresult = (opt.img_size, opt.lr, opt.cuda, opt.name)',
  argparseOverrides: 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--img_size", type=int, default=32)\np.add_argument("--n-critic", type=int, default=5)\np.add_argument("--cuda", action="store_true")\nopt = p.parse_args(["--img_size", "128", "--cuda", "--n-critic=2"])\nresult = (opt.img_size, opt.cuda, opt.n_critic)',
  tryExcept: 'try:\n    x = [1][3]\nexcept IndexError as e:\n    x = "caught"\nfinally:\n    y = 1\nresult = (x, y)',
  augmented: 'a = 3\na += 4\na *= 2\na //= 3\nl = [1]\nl += [2]\nl.extend((3, 4))\nl.insert(0, 0)\nresult = (a, l, l.pop(), l)',
  chainedCompare: 'x = 5\nresult = (1 < x < 10, 1 < x > 10, x == 5 != 4, None is None, 3 in [1, 2, 3], "a" not in "bcd")',
  globalsMutation: 'count = 0\ndef inc():\n    global count\n    count += 1\ninc()\ninc()\nresult = count',
  lambdas: 'f = lambda x, y=2: x * y\nresult = (f(3), f(3, 4), list(map(lambda v: v + 1, [1, 2])), sorted([3, 1, 2], reverse=True))',
  callErrors: 'class G:\n    def __init__(self, a, b, c=1, *, k):\n        pass\ndef f(a, b, c):\n    pass\nout = []\nfor call in (lambda: G(), lambda: G(1, 2, 3, 4, k=0), lambda: G(1, 2), lambda: f(1), lambda: G(1, 2, z=3, k=1)):\n    try:\n        call()\n    except TypeError as e:\n        out.append(str(e))\nresult = out',
};

test('the interpreter evaluates the Python subset exactly as CPython does', async (t) => {
  if (!requireTorch(t)) return;
  const script = `
import json, sys
cases = json.load(sys.stdin)
out = {}
for name, src in cases.items():
    ns = {"__name__": "__main__"}
    exec(src, ns)
    out[name] = repr(ns["result"])
print(json.dumps(out))
`;
  const expected = runPython<Record<string, string>>(script, SNIPPETS);
  const failures: string[] = [];
  for (const [name, src] of Object.entries(SNIPPETS)) {
    const a = await FileAnalysis.create(src);
    const v = a.interp.globals.vars.get('result');
    const got = v ? repr(v) : '<unset>';
    if (got !== expected[name]) failures.push(`${name}: python ${expected[name]}  ours ${got}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});
