// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReleaseBudgets
/// @notice What compute jobs may release from a dataset, counted where every provider reads it: a privacy budget
/// (ε, in millionths) for the dataset as a whole and per buyer, and a budget of released bytes per job and per
/// buyer. A job reserves its ε and its largest release when it is requested, so two providers running jobs of the
/// same buyer at once can never overspend between them; settlement gives back what was not used (all of it when
/// nothing was delivered), and a cancelled or refunded job gives back everything.
/// @dev Only jobs requested while the dataset has a budget reserve (and are counted): a dataset without one pays no
/// storage for it. A field of zero sets no limit on its count; all zero is the default: nothing is limited or
/// counted. Released bytes are in every settlement's event for anyone who needs the whole history.
abstract contract ReleaseBudgets {
    /// @notice An owner's limits on what compute jobs may release from one dataset. ε in millionths; 0: no limit.
    struct ReleaseBudget {
        uint64 epsilonTotal;
        uint64 epsilonPerBuyer;
        uint64 bytesPerJob;
        uint64 bytesPerBuyer;
    }

    /// @notice What one buyer's jobs have reserved or released from one dataset: ε in millionths, and bytes.
    struct Spent {
        uint64 epsilon;
        uint64 released;
    }

    /// @notice Most ε (millionths) one job may reserve: 100.
    uint64 public constant MAX_JOB_EPSILON = 100_000_000;
    /// @notice Most bytes one job may reserve: 1 TiB.
    uint64 public constant MAX_JOB_BYTES = 1 << 40;

    mapping(uint256 datasetId => ReleaseBudget) private _budgets;
    mapping(uint256 datasetId => uint64 epsilon) private _epsilonSpent;
    mapping(uint256 datasetId => mapping(address buyer => Spent)) private _spent;

    /// @notice The owner of `datasetId` set its release budget to `budget`.
    /// @param datasetId The dataset.
    /// @param budget The limits from now on (a zero field: no limit); they bind jobs requested from now on.
    event ReleaseBudgetSet(uint256 indexed datasetId, ReleaseBudget budget);

    /// @notice A job of `buyer` on `datasetId` would spend `epsilon` (millionths) where only `left` is left.
    error EpsilonOverBudget(uint256 datasetId, address buyer, uint64 epsilon, uint64 left);
    /// @notice A job of `buyer` on `datasetId` would release up to `bytes_` where only `left` is left.
    error BytesOverBudget(uint256 datasetId, address buyer, uint64 bytes_, uint64 left);
    /// @notice A job may reserve at most {MAX_JOB_EPSILON} and {MAX_JOB_BYTES}.
    error ReservationTooLarge(uint64 epsilon, uint64 bytes_);
    /// @notice A settlement reports `released` bytes, above the `reserved` bytes its job may release.
    error ReleasedAboveReserved(uint64 released, uint64 reserved);

    /// @notice The release budget of `datasetId` (a zero field: no limit on its count).
    /// @param datasetId The dataset.
    function releaseBudget(uint256 datasetId) external view returns (ReleaseBudget memory) {
        return _budgets[datasetId];
    }

    /// @notice ε (millionths) reserved or spent on `datasetId` by all buyers, and what `buyer` has reserved or
    /// released from it, by jobs requested while the dataset had a budget.
    /// @param datasetId The dataset.
    /// @param buyer The buyer.
    /// @return epsilonTotal ε (millionths) all buyers' jobs reserved or spent.
    /// @return spent What `buyer`'s jobs reserved or released: ε (millionths) and bytes.
    function releaseSpent(uint256 datasetId, address buyer) external view returns (uint64 epsilonTotal, Spent memory spent) {
        return (_epsilonSpent[datasetId], _spent[datasetId][buyer]);
    }

    /// @dev Sets the budget of `datasetId`; the caller has checked that the sender owns it.
    function _setReleaseBudget(uint256 datasetId, ReleaseBudget calldata budget) internal {
        _budgets[datasetId] = budget;
        emit ReleaseBudgetSet(datasetId, budget);
    }

    /// @dev Reserves `epsilon` and `bytes_` for a job of `buyer` where the dataset has a budget, reverting if it
    /// would be exceeded; returns whether it reserved (and so must give back).
    function _reserve(uint256 datasetId, address buyer, uint64 epsilon, uint64 bytes_) internal returns (bool) {
        if (epsilon > MAX_JOB_EPSILON || bytes_ > MAX_JOB_BYTES) revert ReservationTooLarge(epsilon, bytes_);
        ReleaseBudget memory budget = _budgets[datasetId];
        if (budget.epsilonTotal == 0 && budget.epsilonPerBuyer == 0 && budget.bytesPerJob == 0 && budget.bytesPerBuyer == 0) return false;
        Spent memory spent = _spent[datasetId][buyer];
        uint64 total = _epsilonSpent[datasetId];
        uint64 epsilonLeft = _min(_left(budget.epsilonTotal, total), _left(budget.epsilonPerBuyer, spent.epsilon));
        if (epsilon > epsilonLeft) revert EpsilonOverBudget(datasetId, buyer, epsilon, epsilonLeft);
        uint64 bytesLeft = _min(_left(budget.bytesPerJob, 0), _left(budget.bytesPerBuyer, spent.released));
        if (bytes_ > bytesLeft) revert BytesOverBudget(datasetId, buyer, bytes_, bytesLeft);
        // The per-job caps keep the counters 2**24 jobs or more from overflowing; checked arithmetic stays as a guard.
        if (epsilon != 0) _epsilonSpent[datasetId] = total + epsilon;
        _spent[datasetId][buyer] = Spent({epsilon: spent.epsilon + epsilon, released: spent.released + bytes_});
        return true;
    }

    /// @dev Gives back `epsilon` and `bytes_` of a job's reservation (never more than it reserved).
    function _giveBack(uint256 datasetId, address buyer, uint64 epsilon, uint64 bytes_) internal {
        if (epsilon == 0 && bytes_ == 0) return;
        Spent storage spent = _spent[datasetId][buyer];
        spent.epsilon -= epsilon;
        spent.released -= bytes_;
        if (epsilon != 0) _epsilonSpent[datasetId] -= epsilon;
    }

    /// @dev What is left of `limit` after `used`; no limit (0) leaves the most a uint64 counts.
    function _left(uint64 limit, uint64 used) private pure returns (uint64) {
        if (limit == 0) return type(uint64).max;
        return used >= limit ? 0 : limit - used;
    }

    function _min(uint64 a, uint64 b) private pure returns (uint64) {
        return a < b ? a : b;
    }
}
