// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {PullPayments} from "./PullPayments.sol";

/// @title MarketFees
/// @notice The market's fee in basis points, capped at {MAX_FEE_BPS}, and the treasury that earns it.
/// Both are set by holders of {FEE_ADMIN_ROLE}. The treasury withdraws its fees like any payee.
/// @dev The treasury's fees in a token accrue in one slot beside a copy of the fee: a payment reads the fee from
/// the slot it writes the treasury's share to, so it never reads {feeBps} or {treasury}. {setFee} and
/// {setTreasury} walk the tokens that ever paid a fee to keep those copies, and the accrued fees' owner, exact.
abstract contract MarketFees is AccessControl, PullPayments {
    /// @dev The treasury's fees accrued in one token, and the fee in force. `tracked` marks a token listed in
    /// `_feeTokens`.
    struct FeeAccount {
        uint16 bps;
        bool tracked;
        uint232 accrued;
    }

    /// @notice Role allowed to change the fee and the treasury.
    bytes32 public constant FEE_ADMIN_ROLE = keccak256("FEE_ADMIN_ROLE");
    /// @notice Highest fee an admin can set: 10%.
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 internal constant BPS = 10_000;

    /// @notice Account credited with market fees.
    address public treasury;
    /// @notice Market fee in basis points of every payment.
    uint16 public feeBps;
    uint64 private _feeTokenCount;
    mapping(uint256 index => address token) private _feeTokens;
    mapping(address token => FeeAccount) private _feeAccounts;

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

    /// @notice Sets the account credited with market fees. Fees accrued so far stay with the previous treasury.
    /// @param treasury_ The new treasury; not the zero address.
    function setTreasury(address treasury_) external onlyRole(FEE_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @dev Charges the fee in force on a payment of `amount` in `token`: credits it to the treasury and returns it.
    function _chargeFee(address token, uint256 amount) internal returns (uint256 fee) {
        if (amount == 0) return 0;
        FeeAccount storage account = _feeAccount(token);
        fee = _feeOn(amount, account.bps);
        if (fee != 0) _accrue(account, fee);
    }

    /// @dev Credits `fee` of `token` to the treasury.
    function _creditFee(address token, uint256 fee) internal {
        if (fee != 0) _accrue(_feeAccount(token), fee);
    }

    /// @dev The fee on `amount` at `bps`, rounded down in the payer's favour. Unchecked: every amount charged
    /// is below 2**161 (uint128 prices, times uint32 minutes for compute), so times a uint16 it fits.
    function _feeOn(uint256 amount, uint16 bps) internal pure returns (uint256) {
        unchecked {
            return (amount * bps) / BPS;
        }
    }

    /// @dev The treasury's accrued fees are part of what it can withdraw.
    function _held(address token, address account) internal view override returns (uint256) {
        return account == treasury ? _feeAccounts[token].accrued : 0;
    }

    function _releaseHeld(address token, address account) internal override returns (uint256 amount) {
        if (account != treasury) return 0;
        FeeAccount storage feeAccount = _feeAccounts[token];
        amount = feeAccount.accrued;
        if (amount != 0) feeAccount.accrued = 0;
    }

    /// @dev The fee account of `token`, listed (with the fee in force) the first time a fee is paid in it.
    function _feeAccount(address token) private returns (FeeAccount storage account) {
        account = _feeAccounts[token];
        if (!account.tracked) {
            account.bps = feeBps;
            account.tracked = true;
            _feeTokens[_feeTokenCount++] = token;
        }
    }

    /// @dev Unchecked like {PullPayments-_credit}: each fee is below 2**161, so overflowing the sum would take
    /// 2**71 of them.
    function _accrue(FeeAccount storage account, uint256 fee) private {
        unchecked {
            account.accrued += uint232(fee);
        }
    }

    function _setFee(uint16 bps) private {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps, MAX_FEE_BPS);
        emit FeeChanged(feeBps, bps);
        feeBps = bps;
        uint256 count = _feeTokenCount;
        for (uint256 i = 0; i < count; ++i) {
            _feeAccounts[_feeTokens[i]].bps = bps;
        }
    }

    /// @dev Fees accrued so far move to the previous treasury's balance: they belong to the treasury that earned them.
    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        address previous = treasury;
        emit TreasuryChanged(previous, treasury_);
        uint256 count = _feeTokenCount;
        for (uint256 i = 0; i < count; ++i) {
            address token = _feeTokens[i];
            FeeAccount storage account = _feeAccounts[token];
            uint256 accrued = account.accrued;
            if (accrued != 0) {
                account.accrued = 0;
                _credit(token, previous, accrued);
            }
        }
        treasury = treasury_;
    }
}
