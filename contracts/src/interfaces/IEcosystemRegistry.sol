// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Ecosystem registry
/// @notice The partner ecosystems (other L2s, real-economy platforms) admitted by node vote to Caldera's
///         cross-domain risk network. Each has an id, a name, an operator (the account that signs for it: freeze
///         applications, risk features, payout claims) and the URL of its risk subgraph, which the gateway composes
///         with no code change per partner. Caldera itself is ecosystem 1, registered at deployment.
/// @dev Admission, suspension and reinstatement are governance calls (the timelock after a passed vote); the
///      operator may move its own subgraph URL with an EIP-712 signature ("Caldera Ecosystems", version 1):
///      `UpdateSubgraphUrl(uint32 ecosystemId,string subgraphUrl,uint256 nonce,uint256 deadline)`. One ecosystem
///      per operator account.
interface IEcosystemRegistry {
    struct Ecosystem {
        uint32 id;
        bool active;
        address operator;
        string name;
        string subgraphUrl;
    }

    /// @notice Only the governance timelock may call this; `caller` did.
    error NotGovernance(address caller);
    /// @notice No ecosystem has id `ecosystemId`.
    error UnknownEcosystem(uint32 ecosystemId);
    /// @notice Ecosystem `ecosystemId` is suspended.
    error EcosystemInactive(uint32 ecosystemId);
    /// @notice `operator` already operates ecosystem `ecosystemId`.
    error OperatorTaken(address operator, uint32 ecosystemId);
    /// @notice A name must be 1–64 bytes and a subgraph URL at most 256 bytes (empty: no subgraph).
    error InvalidEcosystemField(string field);
    /// @notice `operator` is the zero address.
    error ZeroAddress(string parameter);

    /// @notice Emitted after governance admitted ecosystem `ecosystemId`.
    event EcosystemAdmitted(uint32 indexed ecosystemId, address indexed operator, string name, string subgraphUrl);
    /// @notice Emitted after the operator of `ecosystemId` moved its risk subgraph to `subgraphUrl`.
    event SubgraphUrlUpdated(uint32 indexed ecosystemId, string subgraphUrl);
    /// @notice Emitted after governance suspended (`active` false) or reinstated (`active` true) `ecosystemId`.
    event EcosystemStatusChanged(uint32 indexed ecosystemId, bool active);

    /// @notice Admits a new ecosystem (governance only). Ids are sequential from 2 (1 is Caldera).
    function admitEcosystem(string calldata name, address operator, string calldata subgraphUrl)
        external
        returns (uint32 ecosystemId);

    /// @notice Suspends or reinstates an ecosystem (governance only). A suspended ecosystem cannot file freezes
    ///         or publish features; what it published stays.
    function setEcosystemActive(uint32 ecosystemId, bool active) external;

    /// @notice Moves the ecosystem's subgraph URL on its operator's signature (relayed by anyone).
    function updateSubgraphUrl(uint32 ecosystemId, string calldata subgraphUrl, uint256 deadline, bytes calldata signature)
        external;

    /// @notice The ecosystem `ecosystemId` (reverts UnknownEcosystem).
    function ecosystem(uint32 ecosystemId) external view returns (Ecosystem memory);

    /// @notice The ecosystem `operator` operates, or 0.
    function ecosystemOf(address operator) external view returns (uint32);

    /// @notice Whether `ecosystemId` exists and is active.
    function isActive(uint32 ecosystemId) external view returns (bool);

    /// @notice Number of ecosystems ever admitted, Caldera included (ids 1..count).
    function ecosystemCount() external view returns (uint32);
}
