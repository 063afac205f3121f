// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDerivationRules} from "./interfaces/IDerivationRules.sol";

/// @title DerivationRules
/// @notice The node-voted value-derivation rules and certification floors (see IDerivationRules). Owned by the
///         governance timelock, set once in the constructor: no owner, no admin, no other way to change them.
contract DerivationRules is IDerivationRules {
    uint8 public constant DOMAIN_AGRICULTURAL = 1;
    uint8 public constant DOMAIN_INDUSTRIAL = 2;

    uint8 public constant KIND_PLANTING_PLAN = 1;
    uint8 public constant KIND_MARKET_FORECAST = 2;
    uint8 public constant KIND_FAULT_WARNING_MODEL = 3;

    uint8 public constant ATTRIBUTE_INTEGRITY = 1;
    uint8 public constant ATTRIBUTE_TIMELINESS = 2;
    uint8 public constant ATTRIBUTE_CONTINUITY = 3;

    uint256 public constant MAX_BPS = 10_000;
    /// @notice The core certificate's weight; rule weights are relative to it.
    uint32 public constant CORE_WEIGHT_BPS = 10_000;
    /// @notice Sanity bound on a rule weight: 10x the core certificate.
    uint32 public constant MAX_WEIGHT_BPS = 100_000;

    // Seed rules. Weight 15,000 = 1.5x core, i.e. credit limit +50%.
    uint16 public constant PLANTING_PLAN_MIN_INTEGRITY_BPS = 9_000;
    uint32 public constant PLANTING_PLAN_WEIGHT_BPS = 15_000;
    uint16 public constant MARKET_FORECAST_MIN_TIMELINESS_BPS = 8_500;
    uint32 public constant MARKET_FORECAST_WEIGHT_BPS = 12_000;
    uint16 public constant FAULT_WARNING_MIN_CONTINUITY_BPS = 9_500;
    uint32 public constant FAULT_WARNING_WEIGHT_BPS = 13_000;

    // Seed certification floors, the same for both domains.
    uint16 public constant SEED_MIN_INTEGRITY_BPS = 5_000;
    uint16 public constant SEED_MIN_TIMELINESS_BPS = 5_000;
    uint16 public constant SEED_MIN_CONTINUITY_BPS = 5_000;
    uint16 public constant SEED_MAX_GAP_SLOTS = 48;

    /// @inheritdoc IDerivationRules
    address public immutable timelock;

    /// @dev Starts at 1 so that rule id 0 means "no rule".
    uint256 internal _nextRuleId = 1;
    mapping(uint256 ruleId => Rule) internal _rules;
    mapping(uint8 domain => mapping(uint8 kind => uint256 ruleId)) public activeRuleFor;
    mapping(uint8 domain => Floors) internal _floors;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    constructor(address timelock_) {
        if (timelock_ == address(0)) revert InvalidGovernance(timelock_);
        timelock = timelock_;

        _addRule(
            DOMAIN_AGRICULTURAL,
            KIND_PLANTING_PLAN,
            ATTRIBUTE_INTEGRITY,
            PLANTING_PLAN_MIN_INTEGRITY_BPS,
            PLANTING_PLAN_WEIGHT_BPS
        );
        _addRule(
            DOMAIN_AGRICULTURAL,
            KIND_MARKET_FORECAST,
            ATTRIBUTE_TIMELINESS,
            MARKET_FORECAST_MIN_TIMELINESS_BPS,
            MARKET_FORECAST_WEIGHT_BPS
        );
        _addRule(
            DOMAIN_INDUSTRIAL,
            KIND_FAULT_WARNING_MODEL,
            ATTRIBUTE_CONTINUITY,
            FAULT_WARNING_MIN_CONTINUITY_BPS,
            FAULT_WARNING_WEIGHT_BPS
        );

        Floors memory seedFloors = Floors({
            minIntegrityBps: SEED_MIN_INTEGRITY_BPS,
            minTimelinessBps: SEED_MIN_TIMELINESS_BPS,
            minContinuityBps: SEED_MIN_CONTINUITY_BPS,
            maxGapSlots: SEED_MAX_GAP_SLOTS
        });
        _setFloors(DOMAIN_AGRICULTURAL, seedFloors);
        _setFloors(DOMAIN_INDUSTRIAL, seedFloors);
    }

    /// @inheritdoc IDerivationRules
    function addRule(uint8 domain, uint8 kind, uint8 attribute, uint16 thresholdBps, uint32 weightBps)
        external
        onlyGovernance
        returns (uint256 ruleId)
    {
        return _addRule(domain, kind, attribute, thresholdBps, weightBps);
    }

    /// @inheritdoc IDerivationRules
    function setRule(uint256 ruleId, uint8 attribute, uint16 thresholdBps, uint32 weightBps) external onlyGovernance {
        Rule storage stored = _existingRule(ruleId);
        _checkTerms(attribute, thresholdBps, weightBps);
        stored.attribute = attribute;
        stored.thresholdBps = thresholdBps;
        stored.weightBps = weightBps;
        _emitRuleSet(ruleId, stored);
    }

    /// @inheritdoc IDerivationRules
    function setRuleActive(uint256 ruleId, bool active) external onlyGovernance {
        Rule storage stored = _existingRule(ruleId);
        uint8 domain = stored.domain;
        uint8 kind = stored.kind;
        uint256 current = activeRuleFor[domain][kind];
        if (active) {
            if (current != 0 && current != ruleId) revert ActiveRuleExists(domain, kind, current);
            activeRuleFor[domain][kind] = ruleId;
        } else if (current == ruleId) {
            delete activeRuleFor[domain][kind];
        }
        stored.active = active;
        _emitRuleSet(ruleId, stored);
    }

    /// @inheritdoc IDerivationRules
    function setFloors(uint8 domain, Floors calldata floors) external onlyGovernance {
        _setFloors(domain, floors);
    }

    /// @inheritdoc IDerivationRules
    function rule(uint256 ruleId) external view returns (Rule memory) {
        return _existingRule(ruleId);
    }

    /// @inheritdoc IDerivationRules
    function ruleCount() external view returns (uint256) {
        return _nextRuleId - 1;
    }

    /// @inheritdoc IDerivationRules
    function floorsOf(uint8 domain) external view returns (Floors memory) {
        _checkDomain(domain);
        return _floors[domain];
    }

    /// @inheritdoc IDerivationRules
    function satisfies(uint256 ruleId, uint16 integrityBps, uint16 timelinessBps, uint16 continuityBps)
        external
        view
        returns (bool)
    {
        Rule memory stored = _existingRule(ruleId);
        if (!stored.active) return false;
        uint16 measured = stored.attribute == ATTRIBUTE_INTEGRITY
            ? integrityBps
            : stored.attribute == ATTRIBUTE_TIMELINESS ? timelinessBps : continuityBps;
        return measured >= stored.thresholdBps;
    }

    /// @inheritdoc IDerivationRules
    function meetsFloors(
        uint8 domain,
        uint16 integrityBps,
        uint16 timelinessBps,
        uint16 continuityBps,
        uint16 maxGapSlots
    ) external view returns (bool) {
        _checkDomain(domain);
        Floors memory floors = _floors[domain];
        return integrityBps >= floors.minIntegrityBps && timelinessBps >= floors.minTimelinessBps
            && continuityBps >= floors.minContinuityBps && maxGapSlots <= floors.maxGapSlots;
    }

    function _addRule(uint8 domain, uint8 kind, uint8 attribute, uint16 thresholdBps, uint32 weightBps)
        internal
        returns (uint256 ruleId)
    {
        _checkDomain(domain);
        if (kind == 0 || kind > KIND_FAULT_WARNING_MODEL) revert UnknownKind(kind);
        _checkTerms(attribute, thresholdBps, weightBps);
        uint256 current = activeRuleFor[domain][kind];
        if (current != 0) revert ActiveRuleExists(domain, kind, current);

        ruleId = _nextRuleId++;
        Rule memory added = Rule({
            domain: domain,
            kind: kind,
            attribute: attribute,
            thresholdBps: thresholdBps,
            weightBps: weightBps,
            active: true
        });
        _rules[ruleId] = added;
        activeRuleFor[domain][kind] = ruleId;
        emit RuleSet(ruleId, domain, kind, attribute, thresholdBps, weightBps, true);
    }

    function _setFloors(uint8 domain, Floors memory floors) internal {
        _checkDomain(domain);
        _checkBps(floors.minIntegrityBps);
        _checkBps(floors.minTimelinessBps);
        _checkBps(floors.minContinuityBps);
        _floors[domain] = floors;
        emit FloorsSet(
            domain, floors.minIntegrityBps, floors.minTimelinessBps, floors.minContinuityBps, floors.maxGapSlots
        );
    }

    function _emitRuleSet(uint256 ruleId, Rule storage stored) internal {
        emit RuleSet(
            ruleId, stored.domain, stored.kind, stored.attribute, stored.thresholdBps, stored.weightBps, stored.active
        );
    }

    function _existingRule(uint256 ruleId) internal view returns (Rule storage stored) {
        stored = _rules[ruleId];
        if (stored.domain == 0) revert UnknownRule(ruleId);
    }

    function _checkTerms(uint8 attribute, uint16 thresholdBps, uint32 weightBps) internal pure {
        if (attribute == 0 || attribute > ATTRIBUTE_CONTINUITY) revert UnknownAttribute(attribute);
        _checkBps(thresholdBps);
        if (weightBps == 0 || weightBps > MAX_WEIGHT_BPS) revert WeightOutOfRange(weightBps, MAX_WEIGHT_BPS);
    }

    function _checkDomain(uint8 domain) internal pure {
        if (domain != DOMAIN_AGRICULTURAL && domain != DOMAIN_INDUSTRIAL) revert UnknownDomain(domain);
    }

    function _checkBps(uint16 valueBps) internal pure {
        if (valueBps > MAX_BPS) revert BpsOutOfRange(valueBps);
    }
}
