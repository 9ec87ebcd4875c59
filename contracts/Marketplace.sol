// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {MarketFees} from "./base/MarketFees.sol";
import {Royalties} from "./base/Royalties.sol";

/// @title Marketplace
/// @notice Sells download licences for datasets in the currency of their terms and answers {canDecrypt},
/// the on-chain condition the key network checks before it releases a dataset's key. A sale of a derivative pays its
/// ancestors their shares ({Royalties}).
contract Marketplace is Royalties, IMarketplace {
    using SafeERC20 for IERC20;

    /// @notice A download licence: the terms it was bought under and when it ends.
    struct Licence {
        uint64 termsId;
        uint64 expiresAt;
    }

    uint64 private constant PERPETUAL = type(uint64).max;

    /// @notice The registry of datasets and terms.
    IDatasetRegistry public immutable registry;
    /// @notice The compute market whose active jobs may decrypt; zero until the admin sets it.
    IComputeMarket public computeMarket;

    mapping(uint256 datasetId => mapping(address account => Licence)) private _licences;

    /// @notice `buyer` paid `price` for a licence to `datasetId` under `termsId`, valid until `expiresAt`;
    /// the treasury was credited `fee`, the ancestors of a derivative their royalties ({RoyaltyPaid}) and `owner`
    /// the rest.
    /// @param datasetId The dataset.
    /// @param buyer The account that paid and holds the licence.
    /// @param owner The dataset owner credited with the price less the fee.
    /// @param termsId The terms the licence was bought under.
    /// @param currency The ERC-20 paid.
    /// @param price The amount paid.
    /// @param fee The market fee credited to the treasury.
    /// @param expiresAt When the licence ends (type(uint64).max for perpetual).
    event LicencePurchased(
        uint256 indexed datasetId,
        address indexed buyer,
        address indexed owner,
        uint256 termsId,
        address currency,
        uint256 price,
        uint256 fee,
        uint64 expiresAt
    );
    /// @notice The licence to `datasetId` moved from `from` to `to`.
    /// @param datasetId The dataset.
    /// @param from The previous holder.
    /// @param to The new holder.
    /// @param expiresAt When the licence ends.
    event LicenceTransferred(uint256 indexed datasetId, address indexed from, address indexed to, uint64 expiresAt);
    /// @notice {canDecrypt} now consults `computeMarket`.
    /// @param computeMarket The ComputeMarket contract.
    event ComputeMarketSet(address indexed computeMarket);

    /// @notice `datasetId` is delisted.
    error DatasetNotListed(uint256 datasetId);
    /// @notice `datasetId` is compute-only: no download licences are sold.
    error ComputeOnlyDataset(uint256 datasetId);
    /// @notice `datasetId` is sold under `termsId`, not under the `acceptedTermsId` the buyer accepted (the owner
    /// changed its terms in flight): read the new terms and buy again if they suit.
    error TermsMismatch(uint256 datasetId, uint256 acceptedTermsId, uint256 termsId);
    /// @notice The price `price` is above the buyer's limit `maxPrice`.
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice The buyer already holds a perpetual licence to `datasetId`.
    error AlreadyLicensedForever(uint256 datasetId);
    /// @notice `account` holds no valid licence to `datasetId`.
    error NoLicence(uint256 datasetId, address account);
    /// @notice The licence's terms forbid transfer.
    error LicenceNotTransferable(uint256 datasetId);
    /// @notice `to` already holds a valid licence to `datasetId`.
    error RecipientAlreadyLicensed(uint256 datasetId, address to);

    constructor(IDatasetRegistry registry_, address admin, address treasury_, uint16 feeBps_)
        MarketFees(admin, treasury_, feeBps_)
    {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }

    /// @notice Sets the compute market consulted by {canDecrypt}.
    /// @param computeMarket_ The ComputeMarket contract.
    function setComputeMarket(IComputeMarket computeMarket_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(computeMarket_) == address(0)) revert ZeroAddress();
        computeMarket = computeMarket_;
        emit ComputeMarketSet(address(computeMarket_));
    }

    /// @notice Buys (or extends) a download licence to `datasetId` under the terms the buyer accepted, paying
    /// their currency from an allowance.
    /// @dev Terms are immutable per id, so `termsId` binds the currency, the price, the duration and every right
    /// the buyer read; a terms change landing first reverts with {TermsMismatch}.
    /// @param datasetId The dataset.
    /// @param termsId The terms the buyer accepted; must be the dataset's terms now.
    /// @param maxPrice Highest price the buyer accepts.
    /// @return expiresAt When the licence ends (type(uint64).max for perpetual).
    function buyLicence(uint256 datasetId, uint256 termsId, uint256 maxPrice)
        external
        nonReentrant
        returns (uint64 expiresAt)
    {
        (address owner, address currency, uint64 accessDuration, uint256 price, uint8 ancestors) = _sale(datasetId, termsId);
        return _buy(datasetId, maxPrice, owner, uint64(termsId), currency, accessDuration, price, ancestors);
    }

    /// @notice {buyLicence} with an EIP-2612 permit instead of a prior approval.
    /// @dev A permit already used (e.g. front-run) is ignored; the allowance then decides.
    /// @param datasetId The dataset.
    /// @param termsId The terms the buyer accepted; must be the dataset's terms now.
    /// @param maxPrice Highest price accepted; also the permitted amount.
    /// @param deadline The permit's deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    /// @return expiresAt When the licence ends.
    function buyLicenceWithPermit(
        uint256 datasetId,
        uint256 termsId,
        uint256 maxPrice,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint64 expiresAt) {
        (address owner, address currency, uint64 accessDuration, uint256 price, uint8 ancestors) = _sale(datasetId, termsId);
        try IERC20Permit(currency).permit(msg.sender, address(this), maxPrice, deadline, v, r, s) {} catch {}
        return _buy(datasetId, maxPrice, owner, uint64(termsId), currency, accessDuration, price, ancestors);
    }

    /// @notice Moves the caller's valid licence to `datasetId` to `to`, if its terms allow transfer.
    /// @param datasetId The dataset.
    /// @param to The new holder; must not hold a valid licence already.
    function transferLicence(uint256 datasetId, address to) external {
        if (to == address(0)) revert ZeroAddress();
        Licence memory licence = _licences[datasetId][msg.sender];
        if (licence.expiresAt <= block.timestamp) revert NoLicence(datasetId, msg.sender);
        if (!registry.getTerms(licence.termsId).transferable) revert LicenceNotTransferable(datasetId);
        if (_licences[datasetId][to].expiresAt > block.timestamp) revert RecipientAlreadyLicensed(datasetId, to);
        delete _licences[datasetId][msg.sender];
        _licences[datasetId][to] = licence;
        emit LicenceTransferred(datasetId, msg.sender, to, licence.expiresAt);
    }

    /// @notice The licence `account` holds to `datasetId` (zeroes if none was ever bought).
    /// @param datasetId The dataset.
    /// @param account The holder.
    function licenceOf(uint256 datasetId, address account) external view returns (Licence memory) {
        return _licences[datasetId][account];
    }

    /// @notice True if `account` holds an unexpired download licence to `datasetId`.
    /// @param datasetId The dataset.
    /// @param account The account to check.
    function hasLicence(uint256 datasetId, address account) public view returns (bool) {
        return _licences[datasetId][account].expiresAt > block.timestamp;
    }

    /// @notice True if `account` may obtain the key of `datasetId`: its owner, the holder of an unexpired
    /// licence, or the node of a provider the owner allowed, while a job on it that the provider accepted is open
    /// and before its deadline ({IComputeMarket-hasActiveJob}).
    /// @dev Never reverts, so the key network reads a plain false for unknown datasets.
    /// @param datasetId The dataset.
    /// @param account The account asking for the key (the SIWE signer).
    function canDecrypt(uint256 datasetId, address account) external view returns (bool) {
        address owner = registry.datasetOwner(datasetId);
        if (owner == address(0)) return false;
        if (account == owner || hasLicence(datasetId, account)) return true;
        IComputeMarket compute = computeMarket;
        return address(compute) != address(0) && compute.hasActiveJob(datasetId, account);
    }

    function _buy(
        uint256 datasetId,
        uint256 maxPrice,
        address owner,
        uint64 termsId,
        address currency,
        uint64 accessDuration,
        uint256 price,
        uint8 ancestors
    ) private returns (uint64 expiresAt) {
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);

        Licence storage licence = _licences[datasetId][msg.sender];
        uint64 current = licence.expiresAt;
        if (current == PERPETUAL) revert AlreadyLicensedForever(datasetId);
        if (accessDuration == 0) {
            expiresAt = PERPETUAL;
        } else {
            uint256 from = current > block.timestamp ? current : block.timestamp;
            uint256 end = from + accessDuration;
            expiresAt = end >= PERPETUAL ? PERPETUAL : uint64(end);
        }
        licence.termsId = termsId;
        licence.expiresAt = expiresAt;

        uint256 fee = _chargeFee(currency, price);
        uint256 net = price - fee;
        if (ancestors != 0) net -= _payRoyalties(registry, datasetId, currency, net);
        _credit(currency, owner, net);
        emit LicencePurchased(datasetId, msg.sender, owner, termsId, currency, price, fee, expiresAt);

        if (price != 0) IERC20(currency).safeTransferFrom(msg.sender, address(this), price);
    }

    /// @dev What a sale needs from `registry.getOffer(datasetId)`, read from the return data without the ABI
    /// decoder: the registry is immutable and ours and encodes clean values, so the decoder's copy and range
    /// checks are pure cost. Reverts with the registry's error for an unknown dataset, with {TermsMismatch} when
    /// the dataset is no longer sold under `acceptedTermsId`, and with {DatasetNotListed} or {ComputeOnlyDataset}
    /// when no download licence is on sale.
    function _sale(uint256 datasetId, uint256 acceptedTermsId)
        private
        view
        returns (address owner, address currency, uint64 accessDuration, uint256 price, uint8 ancestors)
    {
        uint256 termsId;
        IDatasetRegistry registry_ = registry;
        bytes4 selector = IDatasetRegistry.getOffer.selector;
        bool listed;
        bool computeOnly;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The return data goes past the free memory pointer: read here, never kept.
            let offer := mload(0x40)
            mstore(0x00, selector)
            mstore(0x04, datasetId)
            if iszero(staticcall(gas(), registry_, 0x00, 0x24, offer, 0x140)) {
                returndatacopy(offer, 0x00, returndatasize())
                revert(offer, returndatasize())
            }
            // An Offer is 10 words; its fields in order: owner, listed, termsId, currency, accessDuration,
            // computeOnly, aiTrainingAllowed, downloadPrice, computePrice, ancestors.
            if lt(returndatasize(), 0x140) { revert(0x00, 0x00) }
            owner := mload(offer)
            listed := mload(add(offer, 0x20))
            termsId := mload(add(offer, 0x40))
            currency := mload(add(offer, 0x60))
            accessDuration := mload(add(offer, 0x80))
            computeOnly := mload(add(offer, 0xa0))
            price := mload(add(offer, 0xe0))
            ancestors := mload(add(offer, 0x120))
        }
        if (termsId != acceptedTermsId) revert TermsMismatch(datasetId, acceptedTermsId, termsId);
        if (!listed) revert DatasetNotListed(datasetId);
        if (computeOnly) revert ComputeOnlyDataset(datasetId);
    }
}
