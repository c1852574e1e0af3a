"""Extract the polynomial flows of the dysts database (Gilpin 2021, github.com/williamgilpin/dysts)
into test/support/dystsPolynomial.json: name, dimension, the terms of each equation with their
coefficients (parameters of chaotic_attractors.json substituted), initial condition, period, dt.

Run (with sympy; DYSTS = a checkout of the dysts repository):
  python3 scripts/dystsPolynomial.py DYSTS/dysts/flows.py DYSTS/dysts/data/chaotic_attractors.json > test/support/dystsPolynomial.json
A flow is kept when its `_rhs` is autonomous, polynomial in the state, of 3-6 variables and degree 1-4.
"""
import ast
import json
import sys

import sympy as sp


class NpShim:
    """The numpy functions flows.py uses, on sympy expressions (anything non-polynomial stays symbolic)."""
    pi = sp.pi
    e = sp.E

    def __getattr__(self, name):
        table = {"sin": sp.sin, "cos": sp.cos, "exp": sp.exp, "tanh": sp.tanh, "sqrt": sp.sqrt, "abs": sp.Abs,
                 "arctan": sp.atan, "log": sp.log, "sign": sp.sign, "cosh": sp.cosh, "sinh": sp.sinh,
                 "heaviside": lambda a, b=0: sp.Heaviside(a), "arctan2": sp.atan2, "tan": sp.tan,
                 "power": lambda a, b: a**b, "square": lambda a: a * a, "real": lambda a: a, "mod": sp.Mod}
        if name in table:
            return table[name]
        raise AttributeError(name)


def main(flows_path, json_path):
    tree = ast.parse(open(flows_path).read())
    meta = json.load(open(json_path))
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            rhs = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "_rhs"), None)
            classes[node.name] = (node, rhs, [b.id for b in node.bases if isinstance(b, ast.Name)])

    def find_rhs(name):
        node, rhs, bases = classes[name]
        if rhs is not None:
            return rhs
        for b in bases:
            if b in classes:
                return find_rhs(b)
        return None

    out = []
    for name, (node, _, bases) in classes.items():
        if name not in meta or "DynSysDelay" in bases:
            continue
        info = meta[name]
        if info.get("nonautonomous") or info.get("delay"):
            continue
        if name == "Lorenz96":
            # rhs(self, X, t) on a ring: X_i' = (X_{i+1} - X_{i-2}) X_{i-1} - X_i + f, at the stored dimension.
            n = len(info["initial_conditions"])
            f = info["parameters"]["f"]
            eqs = []
            for i in range(n):
                terms = {}
                def add(powers, c):
                    key = tuple(powers)
                    terms[key] = terms.get(key, 0.0) + c
                def mono(*idx):
                    pw = [0] * n
                    for j in idx:
                        pw[j % n] += 1
                    return pw
                add(mono(i + 1, i - 1), 1.0)
                add(mono(i - 2, i - 1), -1.0)
                add(mono(i), -1.0)
                add(mono(), float(f))
                eqs.append([{"powers": list(k), "coefficient": c} for k, c in sorted(terms.items(), reverse=True) if c != 0])
            out.append({"name": name, "dimension": n, "stateNames": [f"x{i}" for i in range(n)], "degree": 2, "equations": eqs,
                        "initialCondition": info["initial_conditions"], "period": info["period"], "dt": info["dt"]})
            continue
        rhs = find_rhs(name)
        if rhs is None:
            print(f"# skip {name}: no _rhs", file=sys.stderr)
            continue
        fn = ast.FunctionDef(name="f", args=rhs.args, body=rhs.body, decorator_list=[], returns=None, type_params=[])
        mod = ast.Module(body=[fn], type_ignores=[])
        ast.fix_missing_locations(mod)
        ns = {"np": NpShim()}
        try:
            exec(compile(mod, "flows", "exec"), ns)
        except Exception as exc:  # noqa: BLE001
            print(f"# skip {name}: {exc}", file=sys.stderr)
            continue
        args = [a.arg for a in rhs.args.args]
        ti = args.index("t")
        states = args[:ti]
        params = info["parameters"]
        syms = sp.symbols(states)
        try:
            vals = [params[p] for p in args[ti + 1:]]
        except KeyError as exc:
            print(f"# skip {name}: parameter {exc}", file=sys.stderr)
            continue
        if any(isinstance(v, (list, dict)) for v in vals):
            print(f"# skip {name}: array parameter", file=sys.stderr)
            continue
        try:
            res = ns["f"](*syms, sp.Symbol("t"), *[sp.Float(v, 30) for v in vals])
        except Exception as exc:  # noqa: BLE001
            print(f"# skip {name}: {exc}", file=sys.stderr)
            continue
        res = list(res)
        dim = len(states)
        equations = []
        degree = 0
        ok = len(res) == dim
        for ex in res if ok else []:
            ex = sp.expand(sp.sympify(ex))
            if ex.has(sp.Symbol("t")):
                ok = False
                break
            try:
                poly = sp.Poly(ex, *syms)
            except sp.PolynomialError:
                ok = False
                break
            if any(not c.is_number or not c.is_real for c in poly.coeffs()):
                ok = False
                break
            terms = []
            for monom, c in poly.terms():
                c = float(c)
                if c != 0:
                    terms.append({"powers": list(monom), "coefficient": c})
                    degree = max(degree, sum(monom))
            equations.append(terms)
        if not ok:
            print(f"# skip {name}: not polynomial", file=sys.stderr)
            continue
        if not (3 <= dim <= 6 and 1 <= degree <= 4):
            print(f"# skip {name}: dimension {dim}, degree {degree}", file=sys.stderr)
            continue
        out.append({
            "name": name,
            "dimension": dim,
            "stateNames": states,
            "degree": degree,
            "equations": equations,
            "initialCondition": info["initial_conditions"],
            "period": info["period"],
            "dt": info["dt"],
        })
    json.dump({"source": "dysts (Gilpin 2021), flows.py and data/chaotic_attractors.json", "systems": out}, sys.stdout, indent=1)
    print(f"# {len(out)} polynomial systems", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
