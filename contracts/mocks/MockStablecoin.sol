// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title MockStablecoin
/// @notice A 6-decimal dollar token with EIP-2612 permit for local chains and testnets. Only its owner
/// (the deployer) mints, which is how the local market funds its dev accounts.
contract MockStablecoin is ERC20, ERC20Permit, Ownable {
    constructor(address owner_) ERC20("Datagora Test Dollar", "dUSD") ERC20Permit("Datagora Test Dollar") Ownable(owner_) {}

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` (6 decimals) to `to`.
    /// @param to The recipient.
    /// @param amount Amount in 6-decimal units.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
