// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Value derivation rules
/// @notice Node-voted rules that say which certified data derives which value. A rule reads: a certificate of
///         `domain` whose `attribute` is at least `thresholdBps` derives a `kind` of value weighted `weightBps`
///         (relative to the core certificate's weight of 10,000). Per domain, certification floors bound what may
///         be certified at all. Only the governance timelock changes rules and floors.
/// @dev Numbering: domain 1 = agricultural, 2 = industrial (as in ICoreCertificateRegistry.CoreClaim.domain);
///      kind 1 = planting plan, 2 = market forecast, 3 = fault-warning model; attribute 1 = integrity,
///      2 = timeliness, 3 = continuity. Zero is never valid, so a zero rule id or field means "none".
interface IDerivationRules {
    /// @notice One derivation rule, in one storage slot.
    struct Rule {
        uint8 domain;
        uint8 kind;
        uint8 attribute;
        uint16 thresholdBps;
        uint32 weightBps;
        bool active;
    }

    /// @notice The minimum quality a certificate of a domain must prove (same fields as the core claim).
    struct Floors {
        uint16 minIntegrityBps;
        uint16 minTimelinessBps;
        uint16 minContinuityBps;
        uint16 maxGapSlots;
    }

    /// @notice Only the governance timelock may change rules and floors; `caller` is not it.
    error NotGovernance(address caller);
    /// @notice The timelock address given to the constructor is zero.
    error InvalidGovernance(address timelock);
    /// @notice The domain is not 1 (agricultural) or 2 (industrial).
    error UnknownDomain(uint8 domain);
    /// @notice The kind is not 1 (planting plan), 2 (market forecast) or 3 (fault-warning model).
    error UnknownKind(uint8 kind);
    /// @notice The attribute is not 1 (integrity), 2 (timeliness) or 3 (continuity).
    error UnknownAttribute(uint8 attribute);
    /// @notice A basis-point value is above 10,000.
    error BpsOutOfRange(uint256 valueBps);
    /// @notice The weight is zero or above `maxWeightBps`.
    error WeightOutOfRange(uint256 weightBps, uint256 maxWeightBps);
    /// @notice No rule has this id.
    error UnknownRule(uint256 ruleId);
    /// @notice Rule `activeRuleId` is already active for this domain and kind; deactivate it first.
    error ActiveRuleExists(uint8 domain, uint8 kind, uint256 activeRuleId);

    /// @notice Emitted after a rule was added, changed, activated or deactivated; carries its whole new state.
    event RuleSet(
        uint256 indexed ruleId,
        uint8 indexed domain,
        uint8 indexed kind,
        uint8 attribute,
        uint16 thresholdBps,
        uint32 weightBps,
        bool active
    );
    /// @notice Emitted after `domain`'s certification floors were set (also for the seed floors, at deploy).
    event FloorsSet(
        uint8 indexed domain,
        uint16 minIntegrityBps,
        uint16 minTimelinessBps,
        uint16 minContinuityBps,
        uint16 maxGapSlots
    );

    /// @notice Adds an active rule. Timelock only; at most one rule may be active per (domain, kind).
    /// @return ruleId Sequential id, starting at 1.
    function addRule(uint8 domain, uint8 kind, uint8 attribute, uint16 thresholdBps, uint32 weightBps)
        external
        returns (uint256 ruleId);

    /// @notice Changes an existing rule's attribute, threshold and weight; its domain, kind and active flag stay.
    ///         Timelock only.
    function setRule(uint256 ruleId, uint8 attribute, uint16 thresholdBps, uint32 weightBps) external;

    /// @notice Activates or deactivates a rule. Timelock only; activation fails if another rule is active for
    ///         the same (domain, kind).
    function setRuleActive(uint256 ruleId, bool active) external;

    /// @notice Sets `domain`'s certification floors. Timelock only.
    function setFloors(uint8 domain, Floors calldata floors) external;

    /// @notice The governance timelock, the only account that may change rules and floors.
    function timelock() external view returns (address);

    /// @notice The rule with this id; reverts with UnknownRule otherwise.
    function rule(uint256 ruleId) external view returns (Rule memory);

    /// @notice Number of rules ever added (also the newest id); deactivated rules keep their id.
    function ruleCount() external view returns (uint256);

    /// @notice The id of the active rule for (domain, kind), or 0 if there is none.
    function activeRuleFor(uint8 domain, uint8 kind) external view returns (uint256);

    /// @notice `domain`'s certification floors; reverts with UnknownDomain for another domain.
    function floorsOf(uint8 domain) external view returns (Floors memory);

    /// @notice Whether measured quality derives value under the rule: the rule is active and the value of its
    ///         attribute is at least its threshold. Floors are not checked here (a certificate already met them);
    ///         see `meetsFloors`. Reverts with UnknownRule for an unknown id.
    function satisfies(uint256 ruleId, uint16 integrityBps, uint16 timelinessBps, uint16 continuityBps)
        external
        view
        returns (bool);

    /// @notice Whether proven quality meets `domain`'s certification floors (every bps at least its floor, the
    ///         longest gap at most `maxGapSlots`). Reverts with UnknownDomain for another domain.
    function meetsFloors(
        uint8 domain,
        uint16 integrityBps,
        uint16 timelinessBps,
        uint16 continuityBps,
        uint16 maxGapSlots
    ) external view returns (bool);
}
