// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice PIL-style licence terms. Stored once and referenced by id: the same terms always get the same id.
/// @dev This field order is the ABI's. The registry stores terms in another order (its `StoredTerms`), which packs
/// the fields a sale reads (currency to aiTrainingAllowed, then both prices) into two storage slots.
struct LicenceTerms {
    /// ERC-20 the prices are paid in; must be allowed by the registry.
    address currency;
    /// Seconds a download licence lasts after purchase; 0 means perpetual.
    uint64 accessDuration;
    /// Share of revenue from commercial derivatives owed to the data owner, in basis points.
    uint16 commercialRevShare;
    /// Raw data is never released: only compute jobs run on it.
    bool computeOnly;
    /// The data may be used to train AI models.
    bool aiTrainingAllowed;
    /// A download licence may be transferred to another account.
    bool transferable;
    /// The data may be used commercially.
    bool commercialUse;
    /// Commercial use must credit the owner.
    bool commercialAttribution;
    /// Derivative datasets or works may be made.
    bool derivativesAllowed;
    /// Derivatives must credit the owner.
    bool derivativesAttribution;
    /// Derivatives must carry these same terms.
    bool derivativesReciprocal;
    /// Price of a download licence; must be 0 on compute-only terms.
    uint128 downloadPrice;
    /// Data fee for one compute job.
    uint128 computePrice;
    /// Full legal text (e.g. an ipfs:// URI).
    string uri;
}

/// @notice What the marketplaces need to sell access to one dataset, read in one call.
struct Offer {
    address owner;
    bool listed;
    uint64 termsId;
    address currency;
    uint64 accessDuration;
    bool computeOnly;
    bool aiTrainingAllowed;
    uint128 downloadPrice;
    uint128 computePrice;
    /// How many ancestors (parents, their ancestors) share the asset's revenue; 0 for an asset with no lineage.
    uint8 ancestors;
}

/// @notice What a compute job on a dataset binds: its listing, terms id, currency, compute terms and price, and how
/// many ancestors share its data fee. All zero for an unknown dataset (whose terms id 0 no buyer accepts).
struct ComputeOffer {
    bool listed;
    uint64 termsId;
    address currency;
    bool computeOnly;
    bool aiTrainingAllowed;
    uint128 computePrice;
    uint8 ancestors;
}

/// @notice What a sale of a derivative owes one of its ancestors: `bps` of the sale's net (after the market fee),
/// credited to the ancestor's current owner.
struct Royalty {
    uint256 ancestorId;
    address owner;
    uint16 bps;
}
