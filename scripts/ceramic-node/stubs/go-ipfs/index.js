// Ceramic's bundled-IPFS mode would ask for a Kubo binary; this node always runs with ipfs.mode "remote".
module.exports = {
  path() {
    throw new Error('go-ipfs is stubbed out in scripts/ceramic-node: run Ceramic with ipfs.mode "remote"');
  },
};
