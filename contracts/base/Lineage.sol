// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IComputeMarket, Job} from "../interfaces/IComputeMarket.sol";
import {IMarketplace} from "../interfaces/IMarketplace.sol";

/// @title Lineage
/// @notice Assets derived from other assets: a model trained on datasets, a dataset built from others. A derivative
/// names its parents when it is published, and the contract checks, for each parent, that its terms allow
/// derivatives (and AI training, for a model) and that the publisher is entitled to it: it owns the parent, holds a
/// valid licence to it, or names a compute job on it that it paid for and that settled with its results delivered.
/// Through a job the derivative's content is proven, not declared: its SHA-256 must be one of the job's outputs,
/// whose Merkle root the settled result hash commits to. Reciprocal parents force the child onto terms with the same
/// rights; non-commercial parents forbid commercial use; both bind the child's later terms too.
/// Every sale of a derivative pays its ancestors (its parents, and theirs) their revenue shares, snapshotted when
/// it was published as absolute basis points: at most {MAX_ANCESTORS}, summing to at most 100 %.
/// @dev Ancestors are stored three to a word (a uint64 asset id and a uint16 share, 80 bits each).
abstract contract Lineage {
    /// @notice What an asset is.
    enum AssetKind {
        Dataset,
        Model
    }

    /// @notice One parent of a derivative and what entitles the publisher to it. `termsId` is the parent's terms
    /// the publisher accepted (they set its share). With `jobId` 0 the publisher's ownership or licence entitles
    /// it, and the other fields are ignored; else `job` is that job as requested, `receiptHash` its receipt's hash
    /// and `outputsProof` the Merkle proof that the derivative's content is one of its outputs.
    struct ParentClaim {
        uint256 parentId;
        uint256 termsId;
        uint256 jobId;
        Job job;
        bytes32 receiptHash;
        bytes32[] outputsProof;
    }

    /// @notice What an asset is and what it derives from. `contentHash` is the SHA-256 of its plaintext. Parents
    /// are listed in ascending id order, each once.
    struct Derivation {
        AssetKind kind;
        bytes32 contentHash;
        ParentClaim[] parents;
    }

    /// @notice A parent as registered: its id, the job that entitled the publisher (0 for a licence or ownership)
    /// and the share it takes.
    struct ParentLink {
        uint256 parentId;
        uint256 jobId;
        uint16 bps;
    }

    /// @notice An ancestor and its absolute share of every sale, in basis points.
    struct Ancestor {
        uint256 assetId;
        uint16 bps;
    }

    /// @dev What a derivative needs to know of a parent's terms.
    struct ParentTerms {
        bool derivativesAllowed;
        bool aiTrainingAllowed;
        bool reciprocal;
        bool commercialUse;
        uint16 revShare;
    }

    /// @notice Most ancestors an asset may have.
    uint256 public constant MAX_ANCESTORS = 8;
    /// @dev A derivative's terms must keep the rights of its terms at publication (a parent was reciprocal).
    uint8 internal constant KEEP_RIGHTS = 1;
    /// @dev A derivative's terms must not allow commercial use (a parent does not).
    uint8 internal constant NON_COMMERCIAL = 2;
    uint16 private constant ALL = 10_000;

    /// @notice The Marketplace whose licences entitle a publisher to a parent; set once.
    IMarketplace public marketplace;
    /// @notice The ComputeMarket whose delivered jobs entitle a publisher to a parent; set once.
    IComputeMarket public computeMarket;
    mapping(uint256 assetId => uint256[3] words) private _ancestorWords;

    /// @notice `assetId` was published as a `kind` with `contentHash`, derived from `parents`; its sales pay
    /// `ancestors` their shares.
    /// @param assetId The new asset.
    /// @param kind Dataset or model.
    /// @param contentHash SHA-256 of its plaintext (proven for parents entitled through a job).
    /// @param parents Its parents, what entitled the publisher and each one's share.
    /// @param ancestors Every ancestor with its absolute share, parents included.
    event LineageRegistered(uint256 indexed assetId, AssetKind kind, bytes32 contentHash, ParentLink[] parents, Ancestor[] ancestors);
    /// @notice Lineage is checked against these markets from now on.
    /// @param marketplace The Marketplace.
    /// @param computeMarket The ComputeMarket.
    event MarketsSet(address indexed marketplace, address indexed computeMarket);

    /// @notice The markets were set already.
    error MarketsAlreadySet();
    /// @notice The markets are not set yet: no derivative can be checked.
    error MarketsNotSet();
    /// @notice Parents must be listed in ascending id order, each once; `parentId` breaks it.
    error ParentsNotAscending(uint256 parentId);
    /// @notice The terms of `parentId` do not allow derivatives.
    error DerivativesNotAllowed(uint256 parentId);
    /// @notice The terms of `parentId` do not allow AI training, so no model may derive from it.
    error TrainingNotAllowed(uint256 parentId);
    /// @notice `parentId` is sold under `termsId`, not the `acceptedTermsId` the publisher accepted.
    error ParentTermsMismatch(uint256 parentId, uint256 acceptedTermsId, uint256 termsId);
    /// @notice `account` neither owns `parentId` nor holds a valid licence to it.
    error NotLicensed(uint256 parentId, address account);
    /// @notice Job `jobId` was not requested by `account`.
    error NotJobBuyer(uint256 jobId, address account);
    /// @notice Job `jobId` computed on another asset than `parentId`.
    error JobNotOnParent(uint256 jobId, uint256 parentId);
    /// @notice Job `jobId` did not declare AI training, so no model may derive from it.
    error JobNotTraining(uint256 jobId);
    /// @notice Job `jobId` did not settle with delivered results whose outputs include the asset's content.
    error ContentNotProven(uint256 jobId, bytes32 contentHash);
    /// @notice A reciprocal ancestor requires the rights of terms `requiredTermsId`; terms `termsId` differ.
    error ReciprocalTermsRequired(uint256 requiredTermsId, uint256 termsId);
    /// @notice A non-commercial parent forbids commercial use of its derivatives.
    error CommercialUseNotAllowed(uint256 termsId);
    /// @notice More than {MAX_ANCESTORS} ancestors.
    error TooManyAncestors();
    /// @notice The ancestors' shares sum to `bps`, over 100 %.
    error RoyaltiesOverAll(uint256 bps);

    /// @notice The ancestors of `assetId` with their absolute shares; empty for an asset with no lineage.
    /// @param assetId The asset.
    /// @return ancestors Each ancestor and its share in basis points.
    function ancestorsOf(uint256 assetId) public view returns (Ancestor[] memory ancestors) {
        uint256 count = _ancestorCount(assetId);
        ancestors = new Ancestor[](count);
        uint256[3] storage words = _ancestorWords[assetId];
        for (uint256 i = 0; i < count; ++i) {
            uint256 entry = words[i / 3] >> ((i % 3) * 80);
            ancestors[i] = Ancestor(uint64(entry), uint16(entry >> 64));
        }
    }

    /// @dev Sets the markets lineage is checked against, once.
    function _setMarkets(IMarketplace marketplace_, IComputeMarket computeMarket_) internal {
        if (address(marketplace) != address(0)) revert MarketsAlreadySet();
        marketplace = marketplace_;
        computeMarket = computeMarket_;
        emit MarketsSet(address(marketplace_), address(computeMarket_));
    }

    /// @dev Checks `derivation` for an asset published under `termsId` and stores its ancestors; returns their
    /// count and the constraints its later terms must keep.
    function _registerLineage(uint256 assetId, uint256 termsId, Derivation calldata derivation)
        internal
        returns (uint8 count, uint8 constraints)
    {
        uint256 parentCount = derivation.parents.length;
        if (parentCount != 0 && address(marketplace) == address(0)) revert MarketsNotSet();
        ParentLink[] memory links = new ParentLink[](parentCount);
        Ancestor[] memory ancestors = new Ancestor[](MAX_ANCESTORS);
        uint256 previous = 0;
        for (uint256 i = 0; i < parentCount; ++i) {
            ParentClaim calldata claim = derivation.parents[i];
            if (claim.parentId <= previous) revert ParentsNotAscending(claim.parentId);
            previous = claim.parentId;
            ParentTerms memory parent = _checkParent(claim, derivation);
            if (parent.reciprocal) {
                if (_rightsOf(claim.termsId) != _rightsOf(termsId)) revert ReciprocalTermsRequired(claim.termsId, termsId);
                constraints |= KEEP_RIGHTS;
            }
            if (!parent.commercialUse) {
                if (_termsOf(termsId).commercialUse) revert CommercialUseNotAllowed(termsId);
                constraints |= NON_COMMERCIAL;
            }
            links[i] = ParentLink(claim.parentId, claim.jobId, parent.revShare);
            count = _merge(ancestors, count, claim.parentId, parent.revShare);
            Ancestor[] memory inherited = ancestorsOf(claim.parentId);
            for (uint256 j = 0; j < inherited.length; ++j) {
                count = _merge(ancestors, count, inherited[j].assetId, inherited[j].bps);
            }
        }
        _storeAncestors(assetId, ancestors, count);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(ancestors, count)
        }
        emit LineageRegistered(assetId, derivation.kind, derivation.contentHash, links, ancestors);
    }

    /// @dev Reverts unless terms `termsId` keep what `constraints` require of an asset first sold under
    /// `originalTermsId`.
    function _checkConstraints(uint8 constraints, uint256 originalTermsId, uint256 termsId) internal view {
        if (constraints & KEEP_RIGHTS != 0 && _rightsOf(termsId) != _rightsOf(originalTermsId)) {
            revert ReciprocalTermsRequired(originalTermsId, termsId);
        }
        if (constraints & NON_COMMERCIAL != 0 && _termsOf(termsId).commercialUse) revert CommercialUseNotAllowed(termsId);
    }

    /// @dev Owner and current terms id of a published `assetId`; reverts for an unknown one.
    function _publishedAsset(uint256 assetId) internal view virtual returns (address owner, uint256 termsId);

    /// @dev How many ancestors `assetId` has.
    function _ancestorCount(uint256 assetId) internal view virtual returns (uint256);

    /// @dev The parts of terms `termsId` lineage reads.
    function _termsOf(uint256 termsId) internal view virtual returns (ParentTerms memory);

    /// @dev A hash of the rights terms `termsId` grant (every term but the currency, prices and duration):
    /// equal for terms a reciprocal parent accepts.
    function _rightsOf(uint256 termsId) internal view virtual returns (bytes32);

    /// @dev Checks one parent claim: the parent's terms as accepted, allowing this derivative, and the publisher
    /// entitled to it. Returns the parent's terms.
    function _checkParent(ParentClaim calldata claim, Derivation calldata derivation)
        private
        view
        returns (ParentTerms memory parent)
    {
        (address owner, uint256 parentTermsId) = _publishedAsset(claim.parentId);
        if (parentTermsId != claim.termsId) revert ParentTermsMismatch(claim.parentId, claim.termsId, parentTermsId);
        parent = _termsOf(parentTermsId);
        if (!parent.derivativesAllowed) revert DerivativesNotAllowed(claim.parentId);
        bool model = derivation.kind == AssetKind.Model;
        if (model && !parent.aiTrainingAllowed) revert TrainingNotAllowed(claim.parentId);
        if (claim.jobId == 0) {
            if (owner != msg.sender && !marketplace.hasLicence(claim.parentId, msg.sender)) {
                revert NotLicensed(claim.parentId, msg.sender);
            }
            return parent;
        }
        Job calldata job = claim.job;
        if (job.buyer != msg.sender) revert NotJobBuyer(claim.jobId, msg.sender);
        if (job.datasetId != claim.parentId) revert JobNotOnParent(claim.jobId, claim.parentId);
        if (model && !job.aiTraining) revert JobNotTraining(claim.jobId);
        bytes32 leaf = keccak256(abi.encode(derivation.contentHash));
        bytes32 outputsRoot = MerkleProof.processProofCalldata(claim.outputsProof, leaf);
        bytes32 resultHash = keccak256(abi.encode(claim.receiptHash, outputsRoot));
        if (!computeMarket.isDeliveredResult(claim.jobId, job, resultHash)) {
            revert ContentNotProven(claim.jobId, derivation.contentHash);
        }
    }

    /// @dev Adds `bps` to `assetId`'s share in `ancestors[0..count)`, appending it if new; returns the new count.
    function _merge(Ancestor[] memory ancestors, uint8 count, uint256 assetId, uint16 bps)
        private
        pure
        returns (uint8)
    {
        for (uint256 i = 0; i < count; ++i) {
            if (ancestors[i].assetId == assetId) {
                uint256 sum = uint256(ancestors[i].bps) + bps;
                if (sum > ALL) revert RoyaltiesOverAll(sum);
                ancestors[i].bps = uint16(sum);
                return count;
            }
        }
        if (count == MAX_ANCESTORS) revert TooManyAncestors();
        ancestors[count] = Ancestor(assetId, bps);
        return count + 1;
    }

    function _storeAncestors(uint256 assetId, Ancestor[] memory ancestors, uint256 count) private {
        uint256[3] memory words;
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            Ancestor memory ancestor = ancestors[i];
            total += ancestor.bps;
            words[i / 3] |= (uint256(ancestor.assetId) | (uint256(ancestor.bps) << 64)) << ((i % 3) * 80);
        }
        if (total > ALL) revert RoyaltiesOverAll(total);
        for (uint256 w = 0; w * 3 < count; ++w) {
            _ancestorWords[assetId][w] = words[w];
        }
    }
}
