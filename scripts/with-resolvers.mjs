// Promise.withResolvers (Node >= 22) for js-ipfs's and js-ceramic's dependencies on Node 20; loaded with `node --import`.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
