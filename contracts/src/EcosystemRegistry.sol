// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SignedActions} from "./SignedActions.sol";
import {IEcosystemRegistry} from "./interfaces/IEcosystemRegistry.sol";

/// @title EcosystemRegistry
/// @notice The ecosystems of Caldera's cross-domain risk network (see IEcosystemRegistry).
/// @dev Ids are sequential from 1 (Caldera, registered by the constructor) and never reused; an ecosystem is never
///      deleted, only suspended, so every id that a feature, a case or a disposal names keeps resolving. The
///      operator is fixed at admission (a new operator is a new admission), which is what makes "pay the current
///      operator" and "one ecosystem per operator account" the same rule.
contract EcosystemRegistry is IEcosystemRegistry, SignedActions {
    /// @notice The longest name, in bytes.
    uint256 public constant MAX_NAME_BYTES = 64;
    /// @notice The longest subgraph URL, in bytes (empty: the ecosystem has no subgraph).
    uint256 public constant MAX_SUBGRAPH_URL_BYTES = 256;
    /// @notice Caldera's own ecosystem id.
    uint32 public constant CALDERA_ECOSYSTEM_ID = 1;

    bytes32 public constant UPDATE_SUBGRAPH_URL_TYPEHASH =
        keccak256("UpdateSubgraphUrl(uint32 ecosystemId,string subgraphUrl,uint256 nonce,uint256 deadline)");

    /// @notice The governance timelock, the only account that admits, suspends and reinstates.
    address public immutable timelock;

    uint32 internal _count;
    mapping(uint32 ecosystemId => Ecosystem) internal _ecosystems;
    /// @inheritdoc IEcosystemRegistry
    mapping(address operator => uint32) public ecosystemOf;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param timelock_ The governance timelock.
    /// @param calderaOperator_ The account that signs for Caldera (the hub's signer): operator of ecosystem 1.
    constructor(address timelock_, address calderaOperator_) SignedActions("Caldera Ecosystems", "1") {
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        timelock = timelock_;
        _admit("Caldera", calderaOperator_, "");
    }

    /// @inheritdoc IEcosystemRegistry
    function admitEcosystem(string calldata name, address operator, string calldata subgraphUrl)
        external
        onlyGovernance
        returns (uint32 ecosystemId)
    {
        return _admit(name, operator, subgraphUrl);
    }

    /// @inheritdoc IEcosystemRegistry
    /// @dev Emits even when the status does not change, so a vote's effect is always visible.
    function setEcosystemActive(uint32 ecosystemId, bool active) external onlyGovernance {
        _existing(ecosystemId).active = active;
        emit EcosystemStatusChanged(ecosystemId, active);
    }

    /// @inheritdoc IEcosystemRegistry
    /// @dev A suspended ecosystem may move its URL too (the gateway composes active ecosystems only), so it can fix
    ///      a broken subgraph before it is reinstated. The signature carries the operator's next nonce.
    function updateSubgraphUrl(
        uint32 ecosystemId,
        string calldata subgraphUrl,
        uint256 deadline,
        bytes calldata signature
    ) external {
        Ecosystem storage eco = _existing(ecosystemId);
        if (bytes(subgraphUrl).length > MAX_SUBGRAPH_URL_BYTES) revert InvalidEcosystemField("subgraphUrl");
        address operator = eco.operator;
        bytes32 structHash = keccak256(
            abi.encode(
                UPDATE_SUBGRAPH_URL_TYPEHASH, ecosystemId, keccak256(bytes(subgraphUrl)), nonces(operator), deadline
            )
        );
        _verifyAction(operator, structHash, deadline, nonces(operator), signature);
        eco.subgraphUrl = subgraphUrl;
        emit SubgraphUrlUpdated(ecosystemId, subgraphUrl);
    }

    /// @inheritdoc IEcosystemRegistry
    function ecosystem(uint32 ecosystemId) external view returns (Ecosystem memory) {
        return _existing(ecosystemId);
    }

    /// @inheritdoc IEcosystemRegistry
    function isActive(uint32 ecosystemId) external view returns (bool) {
        return _ecosystems[ecosystemId].active;
    }

    /// @inheritdoc IEcosystemRegistry
    function ecosystemCount() external view returns (uint32) {
        return _count;
    }

    function _admit(string memory name, address operator, string memory subgraphUrl)
        internal
        returns (uint32 ecosystemId)
    {
        if (operator == address(0)) revert ZeroAddress("operator");
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES) revert InvalidEcosystemField("name");
        if (bytes(subgraphUrl).length > MAX_SUBGRAPH_URL_BYTES) revert InvalidEcosystemField("subgraphUrl");
        uint32 taken = ecosystemOf[operator];
        if (taken != 0) revert OperatorTaken(operator, taken);

        ecosystemId = ++_count;
        _ecosystems[ecosystemId] =
            Ecosystem({id: ecosystemId, active: true, operator: operator, name: name, subgraphUrl: subgraphUrl});
        ecosystemOf[operator] = ecosystemId;
        emit EcosystemAdmitted(ecosystemId, operator, name, subgraphUrl);
    }

    function _existing(uint32 ecosystemId) internal view returns (Ecosystem storage eco) {
        eco = _ecosystems[ecosystemId];
        if (eco.id == 0) revert UnknownEcosystem(ecosystemId);
    }
}
