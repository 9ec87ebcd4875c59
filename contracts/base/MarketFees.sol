// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title MarketFees
/// @notice The market's fee in basis points, capped at {MAX_FEE_BPS}, and the treasury that earns it.
/// Both are set by holders of {FEE_ADMIN_ROLE}.
abstract contract MarketFees is AccessControl {
    /// @notice Role allowed to change the fee and the treasury.
    bytes32 public constant FEE_ADMIN_ROLE = keccak256("FEE_ADMIN_ROLE");
    /// @notice Highest fee an admin can set: 10%.
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 internal constant BPS = 10_000;

    /// @notice Account credited with market fees.
    address public treasury;
    /// @notice Market fee in basis points of every payment.
    uint16 public feeBps;

    /// @notice The fee changed from `previousBps` to `feeBps`.
    /// @param previousBps The fee before, in basis points.
    /// @param feeBps The fee now, in basis points.
    event FeeChanged(uint16 previousBps, uint16 feeBps);
    /// @notice Market fees now go to `treasury`.
    /// @param previousTreasury The account fees went to before.
    /// @param treasury The account fees go to now.
    event TreasuryChanged(address indexed previousTreasury, address indexed treasury);

    /// @notice `bps` is above the cap `maxBps`.
    error FeeTooHigh(uint16 bps, uint16 maxBps);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();

    constructor(address admin, address treasury_, uint16 feeBps_) {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FEE_ADMIN_ROLE, admin);
        _setTreasury(treasury_);
        _setFee(feeBps_);
    }

    /// @notice Sets the market fee.
    /// @param bps New fee in basis points; at most {MAX_FEE_BPS}.
    function setFee(uint16 bps) external onlyRole(FEE_ADMIN_ROLE) {
        _setFee(bps);
    }

    /// @notice Sets the account credited with market fees.
    /// @param treasury_ The new treasury; not the zero address.
    function setTreasury(address treasury_) external onlyRole(FEE_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    function _setFee(uint16 bps) private {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps, MAX_FEE_BPS);
        emit FeeChanged(feeBps, bps);
        feeBps = bps;
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        emit TreasuryChanged(treasury, treasury_);
        treasury = treasury_;
    }

    /// @dev The fee on `amount` at `bps`, rounded down in the payer's favour.
    function _feeOn(uint256 amount, uint16 bps) internal pure returns (uint256) {
        return (amount * bps) / BPS;
    }
}
