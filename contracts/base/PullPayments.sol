// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title PullPayments
/// @notice Withdrawable balances per token and account. Payments are credited, never pushed: each
/// payee pulls its own funds with {withdraw}, so a payee that cannot receive cannot block anybody else.
/// @dev A derived contract may hold part of an account's funds outside its balance (see {_held}).
abstract contract PullPayments is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    mapping(address token => mapping(address account => uint256 amount)) private _withdrawable;

    /// @notice `account` withdrew `amount` of `token`.
    /// @param token The ERC-20.
    /// @param account The payee.
    /// @param amount The amount sent.
    event Withdrawn(address indexed token, address indexed account, uint256 amount);

    /// @notice `account` has no balance of `token` to withdraw.
    error NothingToWithdraw(address token, address account);

    /// @notice Amount of `token` that `account` can withdraw now.
    /// @param token The ERC-20.
    /// @param account The payee.
    function withdrawable(address token, address account) external view returns (uint256) {
        return _withdrawable[token][account] + _held(token, account);
    }

    /// @notice Sends the caller everything it has been credited in `token`.
    /// @param token The ERC-20 to withdraw.
    /// @return amount The amount sent.
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _withdrawable[token][msg.sender] + _releaseHeld(token, msg.sender);
        if (amount == 0) revert NothingToWithdraw(token, msg.sender);
        _withdrawable[token][msg.sender] = 0;
        emit Withdrawn(token, msg.sender, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @dev Credits `amount` of `token` to `account`; the caller's event records why. Unchecked: a balance is a
    /// sum of payments each below 2**161 (a uint128 price, or an escrow of uint128 fields), so overflowing it
    /// would take 2**95 of them.
    function _credit(address token, address account, uint256 amount) internal {
        if (amount != 0) {
            unchecked {
                _withdrawable[token][account] += amount;
            }
        }
    }

    /// @dev Funds of `token` owed to `account` but kept outside its balance.
    function _held(address token, address account) internal view virtual returns (uint256);

    /// @dev Clears what {_held} returns for `account` and returns it, for {withdraw} to send.
    function _releaseHeld(address token, address account) internal virtual returns (uint256);
}
