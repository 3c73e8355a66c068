// Redis's pqsort (pqsort.c, from NetBSD's qsort: Bentley & McIlroy's "Engineering a Sort
// Function"), a quicksort that only recurses into partitions overlapping [lrange, rrange]. SORT
// uses it for BY with LIMIT. It is not stable: elements that compare equal (ALPHA BY values that
// are equal or missing) come out in the order this exact algorithm leaves them, so it is ported
// step for step, on array indexes instead of byte pointers.

export function pqsort<T>(
  v: T[],
  cmp: (a: T, b: T) => number,
  lrange: number,
  rrange: number,
): void {
  const swap = (i: number, j: number) => {
    const t = v[i] as T;
    v[i] = v[j] as T;
    v[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const c = (i: number, j: number) => cmp(v[i] as T, v[j] as T);
  const med3 = (a: number, b: number, d: number) =>
    c(a, b) < 0 ? (c(b, d) < 0 ? b : c(a, d) < 0 ? d : a) : c(b, d) > 0 ? b : c(a, d) < 0 ? a : d;
  // Whether the partition [a, a + n) lies wholly outside the range: then it is left unsorted.
  const outside = (a: number, n: number) =>
    (lrange < a && rrange < a) || (lrange > a + n - 1 && rrange > a + n - 1);

  const sort = (a0: number, n0: number): void => {
    let a = a0;
    let n = n0;
    for (;;) {
      if (n < 7) {
        for (let pm = a + 1; pm < a + n; pm++)
          for (let pl = pm; pl > a && c(pl - 1, pl) > 0; pl--) swap(pl, pl - 1);
        return;
      }
      let pm = a + Math.floor(n / 2);
      if (n > 7) {
        let pl = a;
        let pn = a + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1;
      let pb = pa;
      let pc = a + n - 1;
      let pd = pc;
      for (;;) {
        while (pb <= pc) {
          const r = c(pb, a);
          if (r > 0) break;
          if (r === 0) swap(pa++, pb);
          pb++;
        }
        while (pb <= pc) {
          const r = c(pc, a);
          if (r < 0) break;
          if (r === 0) swap(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap(pb++, pc--);
      }
      const pn = a + n;
      let r = Math.min(pa - a, pb - pa);
      vecswap(a, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      r = pb - pa;
      if (r > 1 && !outside(a, r)) sort(a, r);
      r = pd - pc;
      if (r <= 1) return;
      // Iterate rather than recurse, as the C code does.
      a = pn - r;
      n = r;
      if (outside(a, n)) return;
    }
  };
  sort(0, v.length);
}
