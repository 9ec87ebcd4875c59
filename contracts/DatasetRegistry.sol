// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {ComputeOffer, LicenceTerms, Offer, Royalty} from "./interfaces/ILicenceTerms.sol";
import {Lineage} from "./base/Lineage.sol";

/// @title DatasetRegistry
/// @notice One ERC-721 "data NFT" per asset: a dataset or a model, in one sequence of ids ({Lineage} records what
/// a derivative derives from). The NFT's holder owns the dataset: it changes metadata, terms
/// and listing, and earns its future revenue. Licence terms are registered once and shared by id.
/// Publishing takes two steps: {reserveDatasetId} gives the caller the next id, which it names in its key
/// envelope's access conditions and its signed metadata, then {publish} uses it. Only the account that reserved an
/// id can publish under it, so nobody can make a publisher's prepared envelope and document useless by taking its
/// id first. An id reserved and never published stays a gap ({isPublished} tells them apart).
/// @dev A metadata pointer is a CIDv1 with a sha2-256 multihash, stored as its codec and digest
/// (e.g. 0x0129 dag-json, 0x85 dag-jose); clients rebuild the CID from the two.
contract DatasetRegistry is ERC721, AccessControl, IDatasetRegistry, Lineage {
    /// @notice Role allowed to add and remove payment currencies.
    bytes32 public constant CURRENCY_ADMIN_ROLE = keccak256("CURRENCY_ADMIN_ROLE");
    uint16 private constant BPS = 10_000;

    /// @notice A CIDv1 (sha2-256) split into its codec and digest.
    struct MetadataPointer {
        uint32 codec;
        bytes32 digest;
    }

    /// @notice An asset's record beside its NFT. `ancestors` counts those its sales pay; `constraints` are what its
    /// parents require of its terms ({Lineage}).
    struct Dataset {
        uint64 termsId;
        uint32 version;
        uint32 metadataCodec;
        bool listed;
        uint40 publishedAt;
        uint40 updatedAt;
        AssetKind kind;
        uint8 ancestors;
        uint8 constraints;
        bytes32 metadataDigest;
    }

    /// @dev {LicenceTerms} as stored. The ABI's field order puts six flags between the fields a sale reads and
    /// the prices, which spreads those over three slots; here currency to aiTrainingAllowed fill slot 0 and both
    /// prices slot 1, so {getOffer} reads two slots of terms.
    struct StoredTerms {
        address currency;
        uint64 accessDuration;
        uint16 commercialRevShare;
        bool computeOnly;
        bool aiTrainingAllowed;
        uint128 downloadPrice;
        uint128 computePrice;
        bool transferable;
        bool commercialUse;
        bool commercialAttribution;
        bool derivativesAllowed;
        bool derivativesAttribution;
        bool derivativesReciprocal;
        string uri;
    }

    uint256 private _nextDatasetId = 1;
    uint256 private _nextTermsId = 1;
    mapping(uint256 datasetId => Dataset) private _datasets;
    mapping(uint256 termsId => StoredTerms) private _terms;
    mapping(bytes32 termsHash => uint256 termsId) private _termsIdByHash;
    mapping(uint256 termsId => bytes32 rightsHash) private _rights;
    /// @notice The account that reserved `datasetId` and has not published under it yet, or the zero address.
    mapping(uint256 datasetId => address account) public reservedBy;
    /// @notice Whether `currency` may be used in licence terms.
    mapping(address currency => bool) public isCurrencyAllowed;

    /// @notice New terms were registered under `termsId`.
    /// @param termsId The new id.
    /// @param terms The terms registered.
    event TermsRegistered(uint256 indexed termsId, LicenceTerms terms);
    /// @notice `account` reserved `datasetId`: only it can publish under that id.
    /// @param datasetId The id reserved.
    /// @param account The account that may publish under it.
    event DatasetIdReserved(uint256 indexed datasetId, address indexed account);
    /// @notice `owner` published `datasetId` under `termsId` with its first metadata version.
    /// @param datasetId The new dataset (and data NFT) id.
    /// @param owner The publisher, holder of the NFT.
    /// @param termsId The terms it is sold under.
    /// @param metadata The first metadata version.
    event DatasetPublished(uint256 indexed datasetId, address indexed owner, uint256 indexed termsId, MetadataPointer metadata);
    /// @notice `datasetId` moved to metadata `version`, replacing `previous`.
    /// @param datasetId The dataset.
    /// @param version The new version number.
    /// @param metadata The new metadata pointer.
    /// @param previous The pointer it replaces.
    event MetadataUpdated(uint256 indexed datasetId, uint32 version, MetadataPointer metadata, MetadataPointer previous);
    /// @notice `datasetId` is now sold under `termsId` instead of `previousTermsId`.
    /// @param datasetId The dataset.
    /// @param previousTermsId The terms it was sold under.
    /// @param termsId The terms it is sold under now.
    event TermsChanged(uint256 indexed datasetId, uint256 indexed previousTermsId, uint256 indexed termsId);
    /// @notice `datasetId` was delisted (`listed` false: no new sales) or listed again.
    /// @param datasetId The dataset.
    /// @param listed Whether it is on sale.
    event ListingChanged(uint256 indexed datasetId, bool listed);
    /// @notice `currency` was allowed or disallowed for new terms.
    /// @param currency The ERC-20.
    /// @param allowed Whether new terms may use it.
    event CurrencyAllowed(address indexed currency, bool allowed);

    /// @notice No dataset has id `datasetId`.
    error UnknownDataset(uint256 datasetId);
    /// @notice No terms have id `termsId`.
    error UnknownTerms(uint256 termsId);
    /// @notice `account` has not reserved `datasetId` (or already published under it): reserve an id first.
    error DatasetIdNotReserved(uint256 datasetId, address account);
    /// @notice `account` does not own `datasetId`.
    error NotDatasetOwner(uint256 datasetId, address account);
    /// @notice The metadata pointer has a zero digest or codec.
    error InvalidMetadataPointer();
    /// @notice `currency` is not an allowed payment currency.
    error CurrencyNotAllowed(address currency);
    /// @notice `currency` has no contract code.
    error CurrencyNotAContract(address currency);
    /// @notice A revenue share of `bps` is over 100%.
    error RevShareTooHigh(uint16 bps);
    /// @notice Commercial attribution or revenue share was set without commercial use.
    error CommercialTermsWithoutCommercialUse();
    /// @notice Derivative attribution was required while derivatives are not allowed.
    error DerivativesAttributionWithoutDerivatives();
    /// @notice Reciprocal derivatives were required while derivatives are not allowed.
    error ReciprocalWithoutDerivatives();
    /// @notice Compute-only terms never release raw data, so they cannot carry a download price.
    error DownloadPriceOnComputeOnly();
    /// @notice Compute-only terms were marked transferable; there is no download licence to transfer.
    error TransferableComputeOnly();
    /// @notice `datasetId` is already in the requested listing state.
    error ListingUnchanged(uint256 datasetId, bool listed);

    modifier onlyDatasetOwner(uint256 datasetId) {
        address owner = _requireDataset(datasetId);
        if (owner != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
        _;
    }

    constructor(address admin) ERC721("Datagora Dataset", "DATA") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(CURRENCY_ADMIN_ROLE, admin);
    }

    /// @notice Allows or disallows an ERC-20 as the currency of new terms. Terms already registered keep theirs.
    /// @param currency The ERC-20 contract.
    /// @param allowed Whether new terms may use it.
    function setCurrencyAllowed(address currency, bool allowed) external onlyRole(CURRENCY_ADMIN_ROLE) {
        if (allowed && currency.code.length == 0) revert CurrencyNotAContract(currency);
        isCurrencyAllowed[currency] = allowed;
        emit CurrencyAllowed(currency, allowed);
    }

    /// @notice Sets, once, the markets whose licences and delivered compute jobs entitle a publisher to a parent.
    /// @param marketplace_ The Marketplace.
    /// @param computeMarket_ The ComputeMarket.
    function setMarkets(IMarketplace marketplace_, IComputeMarket computeMarket_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMarkets(marketplace_, computeMarket_);
    }

    /// @notice Registers licence terms, or returns the id of identical terms registered before.
    /// @param terms The terms; inconsistent combinations revert with a named error.
    /// @return termsId The id to publish under.
    function registerTerms(LicenceTerms calldata terms) external returns (uint256 termsId) {
        return _registerTerms(terms);
    }

    /// @notice Reserves the next dataset id for the caller, who alone may then {publish} under it.
    /// @dev The key envelope names the dataset id in its access conditions and the signed metadata names it too,
    /// so both are prepared for a known id before publishing. A reservation never expires.
    /// @return datasetId The id reserved.
    function reserveDatasetId() external returns (uint256 datasetId) {
        datasetId = _nextDatasetId++;
        reservedBy[datasetId] = msg.sender;
        emit DatasetIdReserved(datasetId, msg.sender);
    }

    /// @notice Publishes a dataset under registered terms and mints its data NFT to the caller.
    /// @param metadata CID of the signed metadata document.
    /// @param termsId Id from {registerTerms}.
    /// @param datasetId The id the caller reserved with {reserveDatasetId} and prepared the metadata for.
    function publish(MetadataPointer calldata metadata, uint256 termsId, uint256 datasetId) external {
        if (termsId == 0 || termsId >= _nextTermsId) revert UnknownTerms(termsId);
        _publish(metadata, termsId, datasetId, AssetKind.Dataset, 0, 0);
    }

    /// @notice Publishes a dataset or a model, derived from `derivation.parents` (possibly none), under registered
    /// terms and mints its NFT to the caller. Each parent is checked ({Lineage}); its sales then pay the ancestors.
    /// @param metadata CID of the signed metadata document.
    /// @param termsId Id from {registerTerms}.
    /// @param datasetId The id the caller reserved with {reserveDatasetId} and prepared the metadata for.
    /// @param derivation What the asset is, its content's SHA-256 and its parents with what entitles the caller.
    function publishAsset(
        MetadataPointer calldata metadata,
        uint256 termsId,
        uint256 datasetId,
        Derivation calldata derivation
    ) external {
        if (termsId == 0 || termsId >= _nextTermsId) revert UnknownTerms(termsId);
        (uint8 ancestors, uint8 constraints) = _registerLineage(datasetId, termsId, derivation);
        _publish(metadata, termsId, datasetId, derivation.kind, ancestors, constraints);
    }

    /// @notice Registers the terms (or reuses identical ones) and publishes in one transaction.
    /// @param metadata CID of the signed metadata document.
    /// @param terms The licence terms.
    /// @param datasetId The id the caller reserved with {reserveDatasetId} and prepared the metadata for.
    function publishWithTerms(MetadataPointer calldata metadata, LicenceTerms calldata terms, uint256 datasetId) external {
        _publish(metadata, _registerTerms(terms), datasetId, AssetKind.Dataset, 0, 0);
    }

    /// @notice Anchors a new metadata version of an owned dataset.
    /// @param datasetId The dataset.
    /// @param metadata CID of the new signed metadata document.
    /// @return version The new version number (the first is 1).
    function updateMetadata(uint256 datasetId, MetadataPointer calldata metadata)
        external
        onlyDatasetOwner(datasetId)
        returns (uint32 version)
    {
        _checkPointer(metadata);
        Dataset storage dataset = _datasets[datasetId];
        MetadataPointer memory previous = MetadataPointer(dataset.metadataCodec, dataset.metadataDigest);
        version = dataset.version + 1;
        dataset.version = version;
        dataset.metadataCodec = metadata.codec;
        dataset.metadataDigest = metadata.digest;
        dataset.updatedAt = uint40(block.timestamp);
        emit MetadataUpdated(datasetId, version, metadata, previous);
    }

    /// @notice Sells an owned dataset under other registered terms from now on. Licences sold keep theirs.
    /// @param datasetId The dataset.
    /// @param termsId Id from {registerTerms}.
    function setTerms(uint256 datasetId, uint256 termsId) external onlyDatasetOwner(datasetId) {
        if (termsId == 0 || termsId >= _nextTermsId) revert UnknownTerms(termsId);
        Dataset storage dataset = _datasets[datasetId];
        _checkConstraints(dataset.constraints, dataset.termsId, termsId);
        _switchTerms(datasetId, termsId);
    }

    /// @notice Changes an owned dataset's prices, keeping every other term.
    /// @param datasetId The dataset.
    /// @param downloadPrice New download licence price (0 on compute-only terms).
    /// @param computePrice New data fee per compute job.
    /// @return termsId The id of the terms now in force.
    function setPrices(uint256 datasetId, uint128 downloadPrice, uint128 computePrice)
        external
        onlyDatasetOwner(datasetId)
        returns (uint256 termsId)
    {
        LicenceTerms memory terms = _loadTerms(_datasets[datasetId].termsId);
        terms.downloadPrice = downloadPrice;
        terms.computePrice = computePrice;
        termsId = _registerTerms(terms);
        _switchTerms(datasetId, termsId);
    }

    /// @notice Stops new sales of an owned dataset. Licences already sold stay valid.
    /// @param datasetId The dataset.
    function delist(uint256 datasetId) external onlyDatasetOwner(datasetId) {
        _setListed(datasetId, false);
    }

    /// @notice Puts a delisted dataset back on sale.
    /// @param datasetId The dataset.
    function relist(uint256 datasetId) external onlyDatasetOwner(datasetId) {
        _setListed(datasetId, true);
    }

    /// @notice The record of `datasetId`; reverts for an unknown dataset.
    /// @param datasetId The dataset.
    function getDataset(uint256 datasetId) external view returns (Dataset memory) {
        _requireDataset(datasetId);
        return _datasets[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function getTerms(uint256 termsId) external view returns (LicenceTerms memory) {
        if (termsId == 0 || termsId >= _nextTermsId) revert UnknownTerms(termsId);
        return _loadTerms(termsId);
    }

    /// @notice The id identical terms were registered under, or 0 if they never were.
    /// @param terms The terms to look up.
    function termsIdOf(LicenceTerms calldata terms) external view returns (uint256) {
        return _termsIdByHash[keccak256(abi.encode(terms))];
    }

    /// @inheritdoc IDatasetRegistry
    function getOffer(uint256 datasetId) external view returns (Offer memory offer) {
        offer.owner = _requireDataset(datasetId);
        Dataset storage dataset = _datasets[datasetId];
        StoredTerms storage terms = _terms[dataset.termsId];
        offer.listed = dataset.listed;
        offer.termsId = dataset.termsId;
        offer.currency = terms.currency;
        offer.accessDuration = terms.accessDuration;
        offer.computeOnly = terms.computeOnly;
        offer.aiTrainingAllowed = terms.aiTrainingAllowed;
        offer.downloadPrice = terms.downloadPrice;
        offer.computePrice = terms.computePrice;
        offer.ancestors = dataset.ancestors;
    }

    /// @inheritdoc IDatasetRegistry
    function computeOffer(uint256 datasetId) external view returns (ComputeOffer memory) {
        Dataset storage dataset = _datasets[datasetId];
        StoredTerms storage terms = _terms[dataset.termsId];
        return ComputeOffer(dataset.listed, dataset.termsId, terms.currency, terms.computeOnly, terms.aiTrainingAllowed, terms.computePrice, dataset.ancestors);
    }

    /// @inheritdoc IDatasetRegistry
    function royaltiesOf(uint256 assetId) external view returns (Royalty[] memory royalties) {
        Ancestor[] memory ancestors = ancestorsOf(assetId);
        royalties = new Royalty[](ancestors.length);
        for (uint256 i = 0; i < ancestors.length; ++i) {
            uint256 ancestorId = ancestors[i].assetId;
            royalties[i] = Royalty(ancestorId, _ownerOf(ancestorId), ancestors[i].bps);
        }
    }

    /// @inheritdoc IDatasetRegistry
    function datasetOwner(uint256 datasetId) external view returns (address) {
        return _ownerOf(datasetId);
    }

    /// @notice Number of dataset ids ever reserved: every dataset's id is at most this. Ids reserved and not
    /// published (yet) are gaps; see {isPublished}.
    function datasetCount() external view returns (uint256) {
        return _nextDatasetId - 1;
    }

    /// @notice The id the next reservation will get.
    function nextDatasetId() external view returns (uint256) {
        return _nextDatasetId;
    }

    /// @notice Whether `datasetId` was published (its NFT exists).
    /// @param datasetId The dataset.
    function isPublished(uint256 datasetId) external view returns (bool) {
        return _ownerOf(datasetId) != address(0);
    }

    /// @notice Number of distinct terms ever registered.
    function termsCount() external view returns (uint256) {
        return _nextTermsId - 1;
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _publish(
        MetadataPointer calldata metadata,
        uint256 termsId,
        uint256 datasetId,
        AssetKind kind,
        uint8 ancestors,
        uint8 constraints
    ) private {
        _checkPointer(metadata);
        if (reservedBy[datasetId] != msg.sender) revert DatasetIdNotReserved(datasetId, msg.sender);
        delete reservedBy[datasetId];
        _datasets[datasetId] = Dataset({
            termsId: uint64(termsId),
            version: 1,
            metadataCodec: metadata.codec,
            listed: true,
            publishedAt: uint40(block.timestamp),
            updatedAt: uint40(block.timestamp),
            kind: kind,
            ancestors: ancestors,
            constraints: constraints,
            metadataDigest: metadata.digest
        });
        emit DatasetPublished(datasetId, msg.sender, termsId, metadata);
        _mint(msg.sender, datasetId);
    }

    function _registerTerms(LicenceTerms memory terms) private returns (uint256 termsId) {
        bytes32 termsHash = keccak256(abi.encode(terms));
        termsId = _termsIdByHash[termsHash];
        if (termsId != 0) return termsId;
        _validate(terms);
        termsId = _nextTermsId++;
        _termsIdByHash[termsHash] = termsId;
        _rights[termsId] = keccak256(
            abi.encode(
                terms.commercialRevShare,
                terms.computeOnly,
                terms.aiTrainingAllowed,
                terms.transferable,
                terms.commercialUse,
                terms.commercialAttribution,
                terms.derivativesAllowed,
                terms.derivativesAttribution,
                terms.derivativesReciprocal,
                keccak256(bytes(terms.uri))
            )
        );
        _terms[termsId] = StoredTerms({
            currency: terms.currency,
            accessDuration: terms.accessDuration,
            commercialRevShare: terms.commercialRevShare,
            computeOnly: terms.computeOnly,
            aiTrainingAllowed: terms.aiTrainingAllowed,
            downloadPrice: terms.downloadPrice,
            computePrice: terms.computePrice,
            transferable: terms.transferable,
            commercialUse: terms.commercialUse,
            commercialAttribution: terms.commercialAttribution,
            derivativesAllowed: terms.derivativesAllowed,
            derivativesAttribution: terms.derivativesAttribution,
            derivativesReciprocal: terms.derivativesReciprocal,
            uri: terms.uri
        });
        emit TermsRegistered(termsId, terms);
    }

    /// @dev The terms stored under `termsId`, in the ABI's field order.
    function _loadTerms(uint256 termsId) private view returns (LicenceTerms memory) {
        StoredTerms storage terms = _terms[termsId];
        return LicenceTerms({
            currency: terms.currency,
            accessDuration: terms.accessDuration,
            commercialRevShare: terms.commercialRevShare,
            computeOnly: terms.computeOnly,
            aiTrainingAllowed: terms.aiTrainingAllowed,
            transferable: terms.transferable,
            commercialUse: terms.commercialUse,
            commercialAttribution: terms.commercialAttribution,
            derivativesAllowed: terms.derivativesAllowed,
            derivativesAttribution: terms.derivativesAttribution,
            derivativesReciprocal: terms.derivativesReciprocal,
            downloadPrice: terms.downloadPrice,
            computePrice: terms.computePrice,
            uri: terms.uri
        });
    }

    function _switchTerms(uint256 datasetId, uint256 termsId) private {
        Dataset storage dataset = _datasets[datasetId];
        uint256 previous = dataset.termsId;
        dataset.termsId = uint64(termsId);
        emit TermsChanged(datasetId, previous, termsId);
    }

    function _setListed(uint256 datasetId, bool listed) private {
        Dataset storage dataset = _datasets[datasetId];
        if (dataset.listed == listed) revert ListingUnchanged(datasetId, listed);
        dataset.listed = listed;
        emit ListingChanged(datasetId, listed);
    }

    function _validate(LicenceTerms memory terms) private view {
        if (!isCurrencyAllowed[terms.currency]) revert CurrencyNotAllowed(terms.currency);
        if (terms.commercialRevShare > BPS) revert RevShareTooHigh(terms.commercialRevShare);
        if (!terms.commercialUse && (terms.commercialAttribution || terms.commercialRevShare != 0)) {
            revert CommercialTermsWithoutCommercialUse();
        }
        if (!terms.derivativesAllowed) {
            if (terms.derivativesAttribution) revert DerivativesAttributionWithoutDerivatives();
            if (terms.derivativesReciprocal) revert ReciprocalWithoutDerivatives();
        }
        if (terms.computeOnly) {
            if (terms.downloadPrice != 0) revert DownloadPriceOnComputeOnly();
            if (terms.transferable) revert TransferableComputeOnly();
        }
    }

    function _publishedAsset(uint256 assetId) internal view override returns (address owner, uint256 termsId) {
        owner = _requireDataset(assetId);
        termsId = _datasets[assetId].termsId;
    }

    function _ancestorCount(uint256 assetId) internal view override returns (uint256) {
        return _datasets[assetId].ancestors;
    }

    function _termsOf(uint256 termsId) internal view override returns (ParentTerms memory) {
        StoredTerms storage terms = _terms[termsId];
        return ParentTerms({
            derivativesAllowed: terms.derivativesAllowed,
            aiTrainingAllowed: terms.aiTrainingAllowed,
            reciprocal: terms.derivativesReciprocal,
            commercialUse: terms.commercialUse,
            revShare: terms.commercialRevShare
        });
    }

    function _rightsOf(uint256 termsId) internal view override returns (bytes32) {
        return _rights[termsId];
    }

    /// @dev The owner of `datasetId`; reverts with {UnknownDataset} (not ERC-721's error) so every dataset
    /// function reports a missing dataset the same way.
    function _requireDataset(uint256 datasetId) private view returns (address owner) {
        owner = _ownerOf(datasetId);
        if (owner == address(0)) revert UnknownDataset(datasetId);
    }

    function _checkPointer(MetadataPointer calldata metadata) private pure {
        if (metadata.digest == bytes32(0) || metadata.codec == 0) revert InvalidMetadataPointer();
    }
}
