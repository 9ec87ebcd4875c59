// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MarketFees} from "./MarketFees.sol";

/// @title Providers
/// @notice The compute providers' registry: each provider is an owner account and a node key, which signs results
/// and is the account that may decrypt; its environments and their prices; and the X25519 key its node agrees
/// pairwise masks with for secure aggregation in federated training.
abstract contract Providers is MarketFees, EIP712 {
    /// @notice Kind of hardware an environment offers.
    enum ResourceKind {
        Cpu,
        Gpu
    }

    /// @notice A compute environment a provider offers, with its price.
    struct Environment {
        ResourceKind kind;
        uint16 cpus;
        uint32 memoryMb;
        uint16 gpus;
        string gpuModel;
        uint128 pricePerMinute;
    }

    /// @notice A registered provider. `signer` is the node's key: it signs results and decrypts data.
    struct Provider {
        address owner;
        address signer;
        bool active;
        string endpoint;
        Environment[] environments;
    }

    bytes32 private constant PROVIDER_NODE_TYPEHASH =
        keccak256("ProviderNode(address owner,address signer,string endpoint)");
    /// @notice Most environments a provider may offer.
    uint256 public constant MAX_ENVIRONMENTS = 32;

    uint256 private _nextProviderId = 1;
    mapping(uint256 providerId => Provider) internal _providers;
    /// @notice The provider whose node key is `signer`, or 0.
    mapping(address signer => uint256 providerId) public providerIdOf;
    /// @dev keccak256(abi.encode(environment)) of each of a provider's environments, so a request binds the
    /// specification the buyer saw with one storage read.
    mapping(uint256 providerId => mapping(uint256 index => bytes32 specHash)) internal _environmentHashes;
    /// @notice The X25519 public key provider `providerId`'s node agrees pairwise secrets with in federated
    /// training, or zero. Read from here, never from a peer or the buyer, so nobody can slip a node a key of theirs.
    mapping(uint256 providerId => bytes32 key) public agreementKeyOf;

    /// @notice `owner` registered provider `providerId` with node key `signer`.
    /// @param providerId The new provider.
    /// @param owner The account that registered it and may update or retire it.
    /// @param signer Address of the node's key.
    /// @param endpoint The node's public URL.
    /// @param environments What the node offers and the price per minute of each.
    event ProviderRegistered(uint256 indexed providerId, address indexed owner, address indexed signer, string endpoint, Environment[] environments);
    /// @notice Provider `providerId` changed its node key, endpoint or environments.
    /// @param providerId The provider.
    /// @param signer Address of the node's key from now on.
    /// @param endpoint The node's public URL.
    /// @param environments What the node offers from now on.
    event ProviderUpdated(uint256 indexed providerId, address indexed signer, string endpoint, Environment[] environments);
    /// @notice Provider `providerId` retired: it takes no new jobs.
    /// @param providerId The provider.
    event ProviderRetired(uint256 indexed providerId);
    /// @notice Provider `providerId`'s node agrees pairwise secrets with `key` from now on.
    /// @param providerId The provider.
    /// @param key The node's X25519 public key.
    event AgreementKeySet(uint256 indexed providerId, bytes32 key);

    /// @notice No provider has id `providerId`.
    error UnknownProvider(uint256 providerId);
    /// @notice `account` is neither the owner nor the node of `providerId`.
    error NotProvider(uint256 providerId, address account);
    /// @notice `account` does not own `providerId`.
    error NotProviderOwner(uint256 providerId, address account);
    /// @notice Provider `providerId` is retired.
    error ProviderNotActive(uint256 providerId);
    /// @notice `signer` is already the node key of provider `providerId`.
    error SignerInUse(address signer, uint256 providerId);
    /// @notice The node key `signer` did not sign the registration of `owner`'s provider at its endpoint.
    error InvalidNodeSignature(address signer);
    /// @notice A provider offers at most {MAX_ENVIRONMENTS} environments (jobs name one by a uint8), not `count`.
    error TooManyEnvironments(uint256 count);
    /// @notice A provider must offer at least one environment.
    error NoEnvironments();
    /// @notice Provider `providerId` has no environment `environment`.
    error UnknownEnvironment(uint256 providerId, uint8 environment);

    // ----------------------------------------------------------------------------------------- providers

    /// @notice Registers the caller as a provider whose node holds the key of `signer`.
    /// @dev The node key proves it agrees by signing the caller and endpoint, so nobody can register someone
    /// else's node key (seen in a pending transaction) and block its owner's registration.
    /// @param endpoint The node's public URL.
    /// @param signer Address of the node's key; signs results and is the account that may decrypt.
    /// @param environments What the node offers and the price per minute of each.
    /// @param nodeSignature The node key's EIP-712 signature of ProviderNode(caller, signer, endpoint).
    /// @return providerId The new provider's id.
    function registerProvider(
        string calldata endpoint,
        address signer,
        Environment[] calldata environments,
        bytes calldata nodeSignature
    ) external returns (uint256 providerId) {
        providerId = _nextProviderId++;
        Provider storage provider = _providers[providerId];
        provider.owner = msg.sender;
        provider.active = true;
        _setNode(providerId, provider, endpoint, signer, environments, nodeSignature);
        emit ProviderRegistered(providerId, msg.sender, signer, endpoint, environments);
    }

    /// @notice Replaces a provider's endpoint, node key and environments. Jobs already requested keep their price.
    /// @param providerId The provider; the caller must own it.
    /// @param endpoint The node's public URL.
    /// @param signer Address of the node's key.
    /// @param environments What the node offers and the price per minute of each.
    /// @param nodeSignature The node key's EIP-712 signature of ProviderNode(caller, signer, endpoint).
    function updateProvider(
        uint256 providerId,
        string calldata endpoint,
        address signer,
        Environment[] calldata environments,
        bytes calldata nodeSignature
    ) external {
        Provider storage provider = _ownedProvider(providerId);
        delete providerIdOf[provider.signer];
        delete provider.environments;
        _setNode(providerId, provider, endpoint, signer, environments, nodeSignature);
        emit ProviderUpdated(providerId, signer, endpoint, environments);
    }

    /// @notice Retires a provider: no new jobs. Its open jobs can still be settled or refunded.
    /// @param providerId The provider; the caller must own it.
    function retireProvider(uint256 providerId) external {
        Provider storage provider = _ownedProvider(providerId);
        if (!provider.active) revert ProviderNotActive(providerId);
        provider.active = false;
        emit ProviderRetired(providerId);
    }

    /// @notice Publishes the X25519 public key the node of `providerId` agrees pairwise masks with; its owner or its
    /// node may set it, and a new key applies to federated rounds that start after it.
    /// @param providerId The provider.
    /// @param key The node's X25519 public key.
    function setAgreementKey(uint256 providerId, bytes32 key) external {
        _requireProvider(providerId);
        agreementKeyOf[providerId] = key;
        emit AgreementKeySet(providerId, key);
    }

    /// @notice The provider `providerId`; reverts for an unknown id.
    /// @param providerId The provider.
    function getProvider(uint256 providerId) external view returns (Provider memory) {
        Provider storage provider = _providers[providerId];
        if (provider.owner == address(0)) revert UnknownProvider(providerId);
        return provider;
    }

    /// @notice keccak256(abi.encode(environment)) of provider `providerId`'s environment `index`: what a buyer
    /// names in {requestJob} to bind the specification it accepted.
    /// @param providerId The provider.
    /// @param index The environment's index.
    function environmentHash(uint256 providerId, uint8 index) external view returns (bytes32) {
        Provider storage provider = _providers[providerId];
        if (provider.owner == address(0)) revert UnknownProvider(providerId);
        if (index >= provider.environments.length) revert UnknownEnvironment(providerId, index);
        return _environmentHashes[providerId][index];
    }

    /// @notice The EIP-712 digest a node key signs to let `owner` register or update a provider with it.
    /// @param owner The account that will own the provider.
    /// @param signer The node key.
    /// @param endpoint The node's public URL.
    function providerNodeDigest(address owner, address signer, string calldata endpoint)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(PROVIDER_NODE_TYPEHASH, owner, signer, keccak256(bytes(endpoint)))));
    }

    /// @notice Number of providers ever registered.
    function providerCount() external view returns (uint256) {
        return _nextProviderId - 1;
    }

    // ------------------------------------------------------------------------------------------ internal

    function _setNode(
        uint256 providerId,
        Provider storage provider,
        string calldata endpoint,
        address signer,
        Environment[] calldata environments,
        bytes calldata nodeSignature
    ) private {
        if (signer == address(0)) revert ZeroAddress();
        if (environments.length == 0) revert NoEnvironments();
        if (environments.length > MAX_ENVIRONMENTS) revert TooManyEnvironments(environments.length);
        uint256 holder = providerIdOf[signer];
        if (holder != 0) revert SignerInUse(signer, holder);
        (address recovered, ECDSA.RecoverError error,) =
            ECDSA.tryRecoverCalldata(providerNodeDigest(msg.sender, signer, endpoint), nodeSignature);
        if (error != ECDSA.RecoverError.NoError || recovered != signer) revert InvalidNodeSignature(signer);
        providerIdOf[signer] = providerId;
        provider.signer = signer;
        provider.endpoint = endpoint;
        for (uint256 i = 0; i < environments.length; ++i) {
            provider.environments.push(environments[i]);
            _environmentHashes[providerId][i] = keccak256(abi.encode(environments[i]));
        }
    }

    function _ownedProvider(uint256 providerId) private view returns (Provider storage provider) {
        provider = _providers[providerId];
        if (provider.owner == address(0)) revert UnknownProvider(providerId);
        if (provider.owner != msg.sender) revert NotProviderOwner(providerId, msg.sender);
    }

    /// @dev Reverts unless the caller is the owner or node of `providerId`; returns the node key.
    function _requireProvider(uint256 providerId) internal view returns (address signer) {
        Provider storage provider = _providers[providerId];
        signer = provider.signer;
        if (msg.sender != signer && msg.sender != provider.owner) revert NotProvider(providerId, msg.sender);
    }
}
