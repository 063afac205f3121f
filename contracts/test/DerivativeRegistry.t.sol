// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {CoreCertificationSigner} from "./utils/CoreCertificationSigner.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {CoreQualityVerifier} from "../src/verifiers/CoreQualityVerifier.sol";
import {ICoreQualityVerifier} from "../src/interfaces/ICoreQualityVerifier.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";
import {CoreCertificateRegistry} from "../src/CoreCertificateRegistry.sol";
import {DerivativeRegistry} from "../src/DerivativeRegistry.sol";
import {IBindingVerifier} from "../src/interfaces/IBindingVerifier.sol";
import {ICoreCertificateRegistry} from "../src/interfaces/ICoreCertificateRegistry.sol";
import {IDerivativeRegistry} from "../src/interfaces/IDerivativeRegistry.sol";

/// @notice TEST-ONLY binding verifier: accepts exactly the (proof, public signals) tuples a test told it to expect
///         and rejects everything else, so a test fails unless the registry built every public signal as the test
///         computed it independently. It stands in for the real Groth16 verifier only around DerivativeRegistry's
///         unit tests (the real one comes from the binding circuit; see the TODO test in DerivativeRegistry.t.sol).
contract ExpectingBindingVerifier is IBindingVerifier {
    mapping(bytes32 tuple => bool) public expected;

    function expectProof(IDerivativeRegistry.BindingProof memory proof, uint256[4] memory pubSignals) external {
        expected[keccak256(abi.encode(proof.a, proof.b, proof.c, pubSignals))] = true;
    }

    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[4] calldata pubSignals
    ) external view returns (bool) {
        return expected[keccak256(abi.encode(a, b, c, pubSignals))];
    }
}

/// @notice Builds, signs and binds derivation requests the way a frontend and the hub do, from the standards (EIP-712,
///         the registry's documented binding hash) rather than from the registry's own helpers.
abstract contract DerivationHelpers is Test {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    string internal constant REQUEST_TYPE =
        "DerivationRequest(address provider,uint256 ruleId,uint256[] coreIds,bytes32 modelId,bytes32 modelVersionHash,bytes32 outputHash,bytes32[] featureCommitments,uint8 channelMask,uint256 nonce,uint256 deadline)";
    address internal constant RELAYER = address(0xCAFE);
    bytes32 internal constant MODEL_ID = keccak256("planting-optimisation");
    bytes32 internal constant MODEL_VERSION = keccak256("planting-optimisation@1.0.0");
    bytes32 internal constant OUTPUT = keccak256("plan: sow maize on 12 May, 28 mm irrigation");
    uint8 internal constant WEATHER_MASK = 0x7F;
    uint8 internal constant PRICE_MASK = 0x01;
    uint8 internal constant EQUIPMENT_MASK = 0x03;
    bytes32 internal constant WEATHER_SCHEMA = bytes32(uint256(keccak256("test weather schema")) % SNARK_SCALAR_FIELD);
    bytes32 internal constant EQUIPMENT_SCHEMA =
        bytes32(uint256(keccak256("test equipment schema")) % SNARK_SCALAR_FIELD);

    CoreCertificateRegistry internal cores;
    ExpectingBindingVerifier internal binding;
    DerivativeRegistry internal registry;

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function _ids(uint256 a, uint256 b) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](2);
        ids[0] = a;
        ids[1] = b;
    }

    function _ids(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](3);
        ids[0] = a;
        ids[1] = b;
        ids[2] = c;
    }

    /// @dev A feature commitment per core, inside the field; `salt` varies them between requests.
    function _features(uint256[] memory coreIds, bytes32 salt) internal pure returns (bytes32[] memory features) {
        features = new bytes32[](coreIds.length);
        for (uint256 i = 0; i < coreIds.length; i++) {
            features[i] = bytes32(uint256(keccak256(abi.encode("features", coreIds[i], salt))) % SNARK_SCALAR_FIELD);
        }
    }

    /// @dev A valid-looking request for the provider's next nonce, due in an hour.
    function _request(address provider, uint256 ruleId, uint256[] memory coreIds, uint8 channelMask)
        internal
        view
        returns (IDerivativeRegistry.DerivationRequest memory)
    {
        return IDerivativeRegistry.DerivationRequest({
            provider: provider,
            ruleId: ruleId,
            coreIds: coreIds,
            modelId: MODEL_ID,
            modelVersionHash: MODEL_VERSION,
            outputHash: OUTPUT,
            featureCommitments: _features(coreIds, OUTPUT),
            channelMask: channelMask,
            nonce: registry.nonces(provider),
            deadline: block.timestamp + 1 hours
        });
    }

    function _structHash(IDerivativeRegistry.DerivationRequest memory req) internal pure returns (bytes32) {
        bytes memory head = abi.encode(
            keccak256(bytes(REQUEST_TYPE)),
            req.provider,
            req.ruleId,
            keccak256(abi.encodePacked(req.coreIds)),
            req.modelId,
            req.modelVersionHash
        );
        bytes memory tail = abi.encode(
            req.outputHash,
            keccak256(abi.encodePacked(req.featureCommitments)),
            uint256(req.channelMask),
            req.nonce,
            req.deadline
        );
        return keccak256(bytes.concat(head, tail));
    }

    function _digest(IDerivativeRegistry.DerivationRequest memory req) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH, keccak256("Caldera Derivative"), keccak256("1"), block.chainid, address(registry)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, _structHash(req)));
    }

    function _sign(uint256 key, IDerivativeRegistry.DerivationRequest memory req) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(req));
        return abi.encodePacked(r, s, v);
    }

    /// @dev Distinct stand-in proof coordinates per core position and request.
    function _proofs(uint256 count, bytes32 salt)
        internal
        pure
        returns (IDerivativeRegistry.BindingProof[] memory proofs)
    {
        proofs = new IDerivativeRegistry.BindingProof[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 x = uint256(keccak256(abi.encode("proof", i, salt))) % SNARK_SCALAR_FIELD;
            proofs[i].a = [x, x + 1];
            proofs[i].b = [[x + 2, x + 3], [x + 4, x + 5]];
            proofs[i].c = [x + 6, x + 7];
        }
    }

    function _bindingHash(IDerivativeRegistry.DerivationRequest memory req, uint256 coreId)
        internal
        view
        returns (uint256)
    {
        return uint256(
            keccak256(
            abi.encode(
            block.chainid,
            address(registry),
            req.provider,
            req.ruleId,
            coreId,
            req.modelId,
            req.modelVersionHash,
            req.outputHash
        )
        )
        ) % SNARK_SCALAR_FIELD;
    }

    /// @dev [featureCommitment, coreCommitment, channelMask, bindingHash] of core i; 0 for an unknown core.
    function _signals(IDerivativeRegistry.DerivationRequest memory req, uint256 i)
        internal
        view
        returns (uint256[4] memory)
    {
        uint256 coreCommitment;
        try cores.certificate(req.coreIds[i]) returns (ICoreCertificateRegistry.Certificate memory core) {
            coreCommitment = uint256(core.datasetCommitment);
        } catch {}
        return [
            uint256(req.featureCommitments[i]),
            coreCommitment,
            uint256(req.channelMask),
            _bindingHash(req, req.coreIds[i])
        ];
    }

    /// @dev Tells the test verifier to accept exactly these proofs for exactly this request's signals.
    function _expectBindings(IDerivativeRegistry.DerivationRequest memory req)
        internal
        returns (IDerivativeRegistry.BindingProof[] memory proofs)
    {
        proofs = _proofs(req.coreIds.length, req.outputHash);
        for (uint256 i = 0; i < proofs.length; i++) {
            binding.expectProof(proofs[i], _signals(req, i));
        }
    }

    function _derive(
        IDerivativeRegistry.DerivationRequest memory req,
        IDerivativeRegistry.BindingProof[] memory proofs,
        bytes memory signature
    ) internal returns (uint256) {
        vm.prank(RELAYER);
        return registry.derive(req, proofs, signature);
    }

    /// @dev Expects the bindings and signs with `key`, then expects `revertData` from derive (and only from it).
    function _deriveExpectingRevert(
        uint256 key,
        IDerivativeRegistry.DerivationRequest memory req,
        bytes memory revertData
    ) internal {
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(key, req);
        vm.expectRevert(revertData);
        _derive(req, proofs, signature);
    }

    /// @dev Expects the bindings, signs with `key` and derives; reverts pass through.
    function _signAndDerive(uint256 key, IDerivativeRegistry.DerivationRequest memory req) internal returns (uint256) {
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        return _derive(req, proofs, _sign(key, req));
    }
}

/// @notice DerivativeRegistry on the real CoreCertificateRegistry, holding the real certificate made from the committed
///         Groth16 fixture (contracts/test/fixtures/coreQualityProof.json: anvil #1's agricultural dataset; the
///         proven values are read from it, e.g. integrity 9,687, timeliness 9,784, continuity 9,473 bps), and on the
///         real governance stack (DerivationRules owned by the timelock the governor runs). Only the binding verifier
///         is a test double.
contract DerivativeRegistryTest is CalderaGovernanceFixture, DerivationHelpers, CoreCertificationSigner {
    /// @dev anvil account #1's public dev key: the fixture's provider.
    uint256 internal constant PROVIDER_KEY = 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d;
    uint256 internal constant OTHER_KEY = 0x0B0B;
    uint256 internal constant CORE = 1;
    /// @dev Deploys the core registry at the address fixtures/coreQualityProof.json was proven for.
    address internal constant FIXTURE_REGISTRY_DEPLOYER = address(0xCE27);

    CoreQualityVerifier internal coreVerifier;
    address internal provider;
    address internal other;
    ICoreCertificateRegistry.CoreClaim internal claim;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    uint16 internal provenIntegrity;
    uint16 internal provenTimeliness;
    uint16 internal provenContinuity;

    function setUp() public override {
        // The core registry enforces the floors of the governance fixture's DerivationRules, so the fixture comes
        // first. The fixture's proof is bound to the registry address CoreCertificateRegistry.t.sol deploys to:
        // FIXTURE_REGISTRY_DEPLOYER's first contract.
        super.setUp();
        coreVerifier = new CoreQualityVerifier();
        vm.prank(FIXTURE_REGISTRY_DEPLOYER);
        cores = new CoreCertificateRegistry(ICoreQualityVerifier(address(coreVerifier)), rules);
        string memory json = vm.readFile("contracts/test/fixtures/coreQualityProof.json");
        assertEq(address(cores), vm.parseJsonAddress(json, ".registry"), "fixture was made for another address");
        provider = vm.parseJsonAddress(json, ".provider");
        assertEq(vm.addr(PROVIDER_KEY), provider, "fixture provider is anvil #1");
        other = vm.addr(OTHER_KEY);
        claim = ICoreCertificateRegistry.CoreClaim({
            provider: provider,
            domain: uint8(vm.parseJsonUint(json, ".claim.domain")),
            datasetCommitment: vm.parseJsonBytes32(json, ".claim.datasetCommitment"),
            schemaHash: vm.parseJsonBytes32(json, ".claim.schemaHash"),
            minIntegrityBps: uint16(vm.parseJsonUint(json, ".claim.minIntegrityBps")),
            minTimelinessBps: uint16(vm.parseJsonUint(json, ".claim.minTimelinessBps")),
            minContinuityBps: uint16(vm.parseJsonUint(json, ".claim.minContinuityBps")),
            maxGapSlots: uint16(vm.parseJsonUint(json, ".claim.maxGapSlots")),
            deadlineSeconds: uint32(vm.parseJsonUint(json, ".claim.deadlineSeconds")),
            slotSeconds: uint32(vm.parseJsonUint(json, ".claim.slotSeconds")),
            windowStart: uint64(vm.parseJsonUint(json, ".claim.windowStart"))
        });
        a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];
        provenIntegrity = claim.minIntegrityBps;
        provenTimeliness = claim.minTimelinessBps;
        provenContinuity = claim.minContinuityBps;
        // What the tests below take for granted about the fixture: an agricultural core that meets the seed floors
        // and both agricultural seed rules, with room above each proven value.
        assertEq(claim.domain, 1, "agricultural fixture");
        assertTrue(provenIntegrity >= 9_000 && provenIntegrity < 10_000, "fixture integrity");
        assertTrue(provenTimeliness >= 8_500 && provenContinuity >= 5_000 && provenContinuity < 10_000, "fixture");

        binding = new ExpectingBindingVerifier();
        registry = new DerivativeRegistry(cores, rules, binding, address(timelock));

        vm.prank(provider);
        cores.registerProvider("Fixture farm");
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(cores), claim, 0, deadline);
        assertEq(cores.certify(claim, a, b, c, deadline, signature), CORE, "the fixture's certificate");
        vm.prank(other);
        cores.registerProvider("Other farm");
    }

    function _plantingPlan() internal view returns (IDerivativeRegistry.DerivationRequest memory) {
        return _request(provider, 1, _ids(CORE), WEATHER_MASK);
    }

    function _assertNothingMinted() internal view {
        assertEq(registry.derivativeCount(), 0, "no derivative");
        assertEq(registry.balanceOf(provider), 0, "no unit");
        assertEq(registry.nonces(provider), 0, "nonce unused");
    }

    // ---------------------------------------------------------------- construction and input specs

    function test_constructor_wiresDependenciesAndSeedsTheInputSpecs() public {
        assertEq(registry.coreRegistry(), address(cores), "core registry");
        assertEq(registry.derivationRules(), address(rules), "rules");
        assertEq(registry.bindingVerifier(), address(binding), "binding verifier");
        assertEq(registry.timelock(), address(timelock), "timelock");
        assertTrue(keccak256(bytes(registry.name())) == keccak256("Caldera Derivative"), "name");
        assertTrue(keccak256(bytes(registry.symbol())) == keccak256("CDV"), "symbol");
        assertEq(registry.derivativeCount(), 0, "none yet");
        assertEq(registry.inputSpecOf(PLANTING_PLAN).channelMask, 0x7F, "planting plan: 7 weather channels");
        assertEq(registry.inputSpecOf(MARKET_FORECAST).channelMask, 0x01, "market forecast");
        assertEq(registry.inputSpecOf(FAULT_WARNING_MODEL).channelMask, 0x03, "fault-warning model");
        for (uint8 kind = 1; kind <= 3; kind++) {
            assertEq(registry.inputSpecOf(kind).schemaHash, bytes32(0), "schema hash not enforced yet");
        }
        assertTrue(registry.supportsInterface(0x80ac58cd), "ERC-721");
        assertTrue(registry.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        assertTrue(registry.supportsInterface(0xb45a3c0e), "ERC-5192");
        assertFalse(registry.supportsInterface(0xffffffff), "not everything");

        vm.expectEmit(true, false, false, true);
        emit IDerivativeRegistry.InputSpecSet(PLANTING_PLAN, 0x7F, bytes32(0));
        vm.expectEmit(true, false, false, true);
        emit IDerivativeRegistry.InputSpecSet(MARKET_FORECAST, 0x01, bytes32(0));
        vm.expectEmit(true, false, false, true);
        emit IDerivativeRegistry.InputSpecSet(FAULT_WARNING_MODEL, 0x03, bytes32(0));
        new DerivativeRegistry(cores, rules, binding, address(timelock));
    }

    function test_constructor_rejectsZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "coreRegistry"));
        new DerivativeRegistry(ICoreCertificateRegistry(address(0)), rules, binding, address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "derivationRules"));
        new DerivativeRegistry(cores, IDerivationRules(address(0)), binding, address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "bindingVerifier"));
        new DerivativeRegistry(cores, rules, IBindingVerifier(address(0)), address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "timelock"));
        new DerivativeRegistry(cores, rules, binding, address(0));
    }

    function testFuzz_setInputSpec_revertsForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != address(timelock));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.NotGovernance.selector, caller));
        registry.setInputSpec(PLANTING_PLAN, 0x3F, bytes32(0));
        assertEq(registry.inputSpecOf(PLANTING_PLAN).channelMask, 0x7F, "unchanged");
    }

    function test_setInputSpec_validatesSetsAndEmits() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownKind.selector, uint8(0)));
        registry.setInputSpec(0, 0x01, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownKind.selector, uint8(4)));
        registry.setInputSpec(4, 0x01, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidChannelMask.selector, uint8(0)));
        registry.setInputSpec(PLANTING_PLAN, 0, bytes32(0));

        bytes32 schema = keccak256("weather schema v2");
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDerivativeRegistry.InputSpecSet(PLANTING_PLAN, 0x3F, schema);
        registry.setInputSpec(PLANTING_PLAN, 0x3F, schema);
        vm.stopPrank();
        IDerivativeRegistry.InputSpec memory spec = registry.inputSpecOf(PLANTING_PLAN);
        assertEq(spec.channelMask, 0x3F, "mask");
        assertEq(spec.schemaHash, schema, "schema");

        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        _deriveExpectingRevert(
            PROVIDER_KEY,
            req,
            abi.encodeWithSelector(IDerivativeRegistry.WrongChannelMask.selector, PLANTING_PLAN, 0x3F, 0x7F)
        );
    }

    // ---------------------------------------------------------------- minting

    function test_derive_mintsToTheCoreProviderWithTheRuleWeightAndEmits() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        bytes32 featureCommitment = keccak256(abi.encodePacked(req.featureCommitments));

        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721.Transfer(address(0), provider, 1);
        vm.expectEmit(false, false, false, true, address(registry));
        emit IDerivativeRegistry.Locked(1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDerivativeRegistry.DerivativeMinted(
            1, provider, 1, PLANTING_PLAN, 15_000, MODEL_ID, MODEL_VERSION, OUTPUT, featureCommitment, _ids(CORE)
        );
        uint256 id = _derive(req, proofs, signature);

        assertEq(id, 1, "first id");
        assertEq(registry.derivativeCount(), 1, "count");
        assertEq(registry.ownerOf(1), provider, "owned by the core provider, not the relayer");
        assertEq(registry.balanceOf(RELAYER), 0, "relayer owns nothing");
        assertEq(registry.nonces(provider), 1, "nonce used");
        assertTrue(registry.locked(1), "locked");
        IDerivativeRegistry.Derivative memory stored = registry.derivative(1);
        assertEq(stored.ruleId, 1, "rule");
        assertEq(stored.kind, PLANTING_PLAN, "kind");
        assertEq(stored.weightBps, rules.rule(1).weightBps, "weight = the rule's");
        assertEq(stored.weightBps, 15_000, "1.5x core");
        assertEq(stored.modelId, MODEL_ID, "model");
        assertEq(stored.modelVersionHash, MODEL_VERSION, "version");
        assertEq(stored.outputHash, OUTPUT, "output");
        assertEq(stored.featureCommitment, featureCommitment, "feature commitment");
        assertEq(stored.coreIds.length, 1, "one core");
        assertEq(stored.coreIds[0], CORE, "core id");
        uint256[] memory coreIds = registry.coreIdsOf(1);
        assertEq(coreIds.length, 1, "coreIdsOf length");
        assertEq(coreIds[0], CORE, "coreIdsOf");
        assertEq(registry.derivativeIdOf(provider, 1, MODEL_VERSION, OUTPUT, _ids(CORE)), 1, "derivativeIdOf");
    }

    function test_derive_marketForecastCarriesItsOwnRuleWeight() public {
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 2, _ids(CORE), PRICE_MASK);
        req.modelId = keccak256("market-forecast");
        uint256 id = _signAndDerive(PROVIDER_KEY, req);
        assertEq(registry.derivative(id).kind, MARKET_FORECAST, "kind");
        assertEq(registry.derivative(id).weightBps, 12_000, "1.2x core");
    }

    /// @dev The signature authorises, not the sender: the provider itself may submit too.
    function test_derive_acceptsTheProviderAsItsOwnRelayer() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        vm.prank(provider);
        assertEq(registry.derive(req, proofs, signature), 1, "minted");
    }

    function test_hashDerivationRequest_isTheEip712DigestTheProviderSigns() public view {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        assertEq(registry.hashDerivationRequest(req), _digest(req), "digest");
        assertEq(registry.DERIVATION_REQUEST_TYPEHASH(), keccak256(bytes(REQUEST_TYPE)), "type hash");
    }

    /// @dev Pins the type string to an independent EIP-712 implementation: the struct hash below is what viem's
    ///      `hashStruct` (what a frontend's signTypedData uses) gives for this request.
    function test_hashDerivationRequest_matchesViemsStructHash() public view {
        uint256[] memory coreIds = _ids(1, 7);
        bytes32[] memory features = new bytes32[](2);
        features[0] = bytes32(uint256(0x11));
        features[1] = bytes32(uint256(0x22));
        IDerivativeRegistry.DerivationRequest memory req = IDerivativeRegistry.DerivationRequest({
            provider: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,
            ruleId: 1,
            coreIds: coreIds,
            modelId: keccak256("planting-optimisation"),
            modelVersionHash: keccak256("planting-optimisation@1.0.0"),
            outputHash: keccak256("plan"),
            featureCommitments: features,
            channelMask: 0x7F,
            nonce: 3,
            deadline: 1_750_000_000
        });
        bytes32 viemStructHash = 0x55190f8b63f8f5fb2500288ad79e9fcbc2d10cdc6b93fdf1302fa47fda24f7c1;
        assertEq(_structHash(req), viemStructHash, "this test's struct hash");
        assertEq(
            registry.hashDerivationRequest(req),
            keccak256(abi.encodePacked("\x19\x01", registry.DOMAIN_SEPARATOR(), viemStructHash)),
            "registry digest"
        );
    }

    function test_bindingHash_isTheDocumentedHashReducedIntoTheField() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        uint256 onChain = registry.bindingHash(provider, 1, CORE, MODEL_ID, MODEL_VERSION, OUTPUT);
        assertEq(onChain, _bindingHash(req, CORE), "binding hash");
        assertLt(onChain, SNARK_SCALAR_FIELD, "in the field");
        vm.chainId(1);
        assertTrue(registry.bindingHash(provider, 1, CORE, MODEL_ID, MODEL_VERSION, OUTPUT) != onChain, "per chain");
    }

    // ---------------------------------------------------------------- what the rule and the cores gate

    function test_derive_revertsWhenTheCoreIsUnderTheRuleThreshold() public {
        vm.prank(address(timelock));
        rules.setRule(1, INTEGRITY, provenIntegrity + 1, 15_000); // one bps above what the fixture proved
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _plantingPlan(),
            abi.encodeWithSelector(
                IDerivativeRegistry.RuleNotMet.selector, 1, CORE, INTEGRITY, provenIntegrity, provenIntegrity + 1
            )
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForACoreOfAnotherProvider() public {
        IDerivativeRegistry.DerivationRequest memory req = _request(other, 1, _ids(CORE), WEATHER_MASK);
        _deriveExpectingRevert(
            OTHER_KEY, req, abi.encodeWithSelector(IDerivativeRegistry.NotCoreOwner.selector, CORE, provider, other)
        );
        assertEq(registry.nonces(other), 0, "nonce unused");
    }

    function test_derive_revertsForAnUnknownCore() public {
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(2), WEATHER_MASK),
            abi.encodeWithSelector(ICoreCertificateRegistry.UnknownCertificate.selector, 2)
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForAnInactiveRule() public {
        vm.prank(address(timelock));
        rules.setRuleActive(1, false);
        _deriveExpectingRevert(
            PROVIDER_KEY, _plantingPlan(), abi.encodeWithSelector(IDerivativeRegistry.RuleInactive.selector, 1)
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForAnUnknownRule() public {
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 9, _ids(CORE), WEATHER_MASK),
            abi.encodeWithSelector(IDerivationRules.UnknownRule.selector, 9)
        );
        _assertNothingMinted();
    }

    /// @dev Rule 3 derives fault-warning models from industrial data; the fixture's core is agricultural.
    function test_derive_revertsForACoreOfAnotherDomain() public {
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 3, _ids(CORE), EQUIPMENT_MASK);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            req,
            abi.encodeWithSelector(IDerivativeRegistry.WrongDomain.selector, 3, CORE, INDUSTRIAL, AGRICULTURAL)
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForTheWrongChannelMaskOfTheKind() public {
        // A planting plan on the market forecast's single channel.
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(CORE), PRICE_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.WrongChannelMask.selector, PLANTING_PLAN, 0x7F, PRICE_MASK)
        );
        // A market forecast on the planting plan's weather channels.
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 2, _ids(CORE), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.WrongChannelMask.selector, MARKET_FORECAST, 0x01, WEATHER_MASK)
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForACoreBelowItsDomainsFloors() public {
        vm.prank(address(timelock));
        rules.setFloors(AGRICULTURAL, IDerivationRules.Floors(5_000, 5_000, provenContinuity + 1, 48));
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _plantingPlan(),
            abi.encodeWithSelector(IDerivativeRegistry.BelowFloors.selector, CORE, AGRICULTURAL)
        );
        _assertNothingMinted();
    }

    /// @dev Around the proven integrity (9,687), for any rule threshold: mint exactly when threshold <= proven.
    function testFuzz_derive_gatesOnTheRuleThresholdAroundTheProvenValue(uint16 threshold) public {
        threshold = uint16(bound(threshold, provenIntegrity - 64, provenIntegrity + 64));
        vm.prank(address(timelock));
        rules.setRule(1, INTEGRITY, threshold, 15_000);
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        if (threshold > provenIntegrity) {
            _deriveExpectingRevert(
                PROVIDER_KEY,
                req,
                abi.encodeWithSelector(
                    IDerivativeRegistry.RuleNotMet.selector, 1, CORE, INTEGRITY, provenIntegrity, threshold
                )
            );
            _assertNothingMinted();
        } else {
            assertEq(_signAndDerive(PROVIDER_KEY, req), 1, "minted at or above the threshold");
        }
    }

    /// @dev For any attribute and threshold the rule may name, the gate reads that attribute of the certificate.
    function testFuzz_derive_gatesOnTheAttributeTheRuleNames(uint8 attribute, uint16 threshold) public {
        attribute = uint8(bound(attribute, INTEGRITY, CONTINUITY));
        threshold = uint16(bound(threshold, 0, 10_000));
        uint16 proven =
            attribute == INTEGRITY ? provenIntegrity : attribute == TIMELINESS ? provenTimeliness : provenContinuity;
        vm.prank(address(timelock));
        rules.setRule(1, attribute, threshold, 20_000);
        if (threshold > proven) {
            _deriveExpectingRevert(
                PROVIDER_KEY,
                _plantingPlan(),
                abi.encodeWithSelector(IDerivativeRegistry.RuleNotMet.selector, 1, CORE, attribute, proven, threshold)
            );
        } else {
            uint256 id = _signAndDerive(PROVIDER_KEY, _plantingPlan());
            assertEq(registry.derivative(id).weightBps, 20_000, "the rule's current weight");
        }
    }

    // ---------------------------------------------------------------- signatures

    function test_derive_revertsForAnExpiredSignatureAndAcceptsOneAtItsDeadline() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        vm.warp(req.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, req.deadline, req.deadline + 1)
        );
        _derive(req, proofs, signature);
        _assertNothingMinted();

        vm.warp(req.deadline);
        assertEq(_derive(req, proofs, signature), 1, "valid through its deadline");
    }

    function test_derive_revertsForASignatureByAnotherKey() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _derive(req, proofs, _sign(OTHER_KEY, req));
        _assertNothingMinted();
    }

    /// @dev The hub cannot change what the provider signed, e.g. swap in another output.
    function test_derive_revertsForARequestChangedAfterSigning() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        bytes memory signature = _sign(PROVIDER_KEY, req);
        req.outputHash = keccak256("another plan");
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _derive(req, proofs, signature);
        _assertNothingMinted();
    }

    function test_derive_revertsForAReplayedSignature() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        _derive(req, proofs, signature);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, provider, 1, 0));
        _derive(req, proofs, signature);
        assertEq(registry.derivativeCount(), 1, "minted once");
    }

    function test_derive_revertsForASkippedNonce() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        req.nonce = 5;
        _deriveExpectingRevert(
            PROVIDER_KEY, req, abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, provider, 0, 5)
        );
        _assertNothingMinted();
    }

    function test_derive_revertsForASignatureMadeForAnotherChain() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        vm.chainId(8453);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _derive(req, proofs, signature);
        _assertNothingMinted();
    }

    // ---------------------------------------------------------------- binding proofs and replays

    function test_derive_revertsWhenTheBindingVerifierRejects() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        // Nothing expected: the verifier answers false for every proof.
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, CORE));
        _derive(req, _proofs(1, req.outputHash), _sign(PROVIDER_KEY, req));
        _assertNothingMinted();
    }

    /// @dev A proof made for one output (its binding hash) is no good for another output, even one the provider
    ///      signed.
    function test_derive_revertsForABindingProofOfAnotherDerivation() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        req.outputHash = keccak256("another plan");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, CORE));
        _derive(req, proofs, _sign(PROVIDER_KEY, req));
        _assertNothingMinted();
    }

    /// @dev Same provider, rule, model version, output and cores: one unit, whatever the nonce, model id, features or
    ///      proof bytes. Another output is another derivation.
    function test_derive_rejectsTheSameDerivationTwice() public {
        _signAndDerive(PROVIDER_KEY, _plantingPlan());

        IDerivativeRegistry.DerivationRequest memory again = _plantingPlan();
        again.modelId = keccak256("renamed model");
        again.featureCommitments = _features(again.coreIds, keccak256("other features"));
        assertEq(again.nonce, 1, "a fresh, valid signature");
        _deriveExpectingRevert(
            PROVIDER_KEY, again, abi.encodeWithSelector(IDerivativeRegistry.DerivationAlreadyMinted.selector, 1)
        );
        assertEq(registry.nonces(provider), 1, "the failed attempt used no nonce");

        IDerivativeRegistry.DerivationRequest memory next = _plantingPlan();
        next.outputHash = keccak256("next season's plan");
        assertEq(_signAndDerive(PROVIDER_KEY, next), 2, "a new output is a new derivative");
        assertEq(registry.balanceOf(provider), 2, "two units");
    }

    function test_derive_validatesTheRequestShape() public {
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 1, new uint256[](0), WEATHER_MASK);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidCoreCount.selector, 0, 4));
        _derive(req, _proofs(0, 0), _sign(PROVIDER_KEY, req));

        uint256[] memory five = new uint256[](5);
        for (uint256 i = 0; i < 5; i++) {
            five[i] = i + 1;
        }
        req = _request(provider, 1, five, WEATHER_MASK);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidCoreCount.selector, 5, 4));
        _derive(req, _proofs(5, 0), _sign(PROVIDER_KEY, req));

        req = _request(provider, 1, _ids(CORE, CORE), WEATHER_MASK);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.CoreIdsNotIncreasing.selector, 1, CORE, CORE));
        _derive(req, _proofs(2, 0), _sign(PROVIDER_KEY, req));

        req = _request(provider, 1, _ids(2, CORE), WEATHER_MASK);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.CoreIdsNotIncreasing.selector, 1, 2, CORE));
        _derive(req, _proofs(2, 0), _sign(PROVIDER_KEY, req));

        req = _plantingPlan();
        req.featureCommitments = new bytes32[](2);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.FeatureCommitmentCountMismatch.selector, 1, 2));
        _derive(req, _proofs(1, 0), _sign(PROVIDER_KEY, req));

        req = _plantingPlan();
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ProofCountMismatch.selector, 1, 2));
        _derive(req, _proofs(2, 0), _sign(PROVIDER_KEY, req));

        req = _plantingPlan();
        req.featureCommitments[0] = bytes32(SNARK_SCALAR_FIELD);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDerivativeRegistry.FeatureCommitmentOutOfField.selector, 0, bytes32(SNARK_SCALAR_FIELD)
            )
        );
        _derive(req, _proofs(1, 0), _sign(PROVIDER_KEY, req));
        _assertNothingMinted();
    }

    function test_derive_refusesToRunTheVerifierOnTooLittleGas() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        vm.prank(RELAYER);
        // The gas left at the check depends on the call overhead: match the error, not its arguments.
        vm.expectPartialRevert(IDerivativeRegistry.InsufficientGasForVerification.selector);
        registry.derive{gas: 250_000}(req, proofs, signature);
        _assertNothingMinted();
    }

    // ---------------------------------------------------------------- governance

    /// @dev The full path: while a stricter rule waits in the timelock, derive follows the old rule; once the
    ///      timelock executes it, the same core no longer derives. The weight of a unit is the rule's at mint time.
    function test_derive_followsRulesChangedThroughTheTimelock() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(1, INTEGRITY, provenIntegrity + 13, 16_000);
        string memory description = "Planting plan: stricter integrity, weight 1.6x";
        _passAndQueue(targets, calldatas, description);

        uint256 first = _signAndDerive(PROVIDER_KEY, _plantingPlan());
        assertEq(registry.derivative(first).weightBps, 15_000, "queued change not in force yet");

        vm.warp(block.timestamp + TIMELOCK_DELAY);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));

        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        req.outputHash = keccak256("after the vote");
        req.deadline = block.timestamp + 1 hours;
        _deriveExpectingRevert(
            PROVIDER_KEY,
            req,
            abi.encodeWithSelector(
                IDerivativeRegistry.RuleNotMet.selector, 1, CORE, INTEGRITY, provenIntegrity, provenIntegrity + 13
            )
        );
        assertEq(registry.derivative(first).weightBps, 15_000, "minted units keep their weight");
    }

    function test_derive_followsAnInputSpecChangedThroughTheTimelock() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _oneCall(address(registry), abi.encodeCall(registry.setInputSpec, (MARKET_FORECAST, 0x03, bytes32(0))));
        string memory description = "Market forecast: price and volume channels";
        _passAndQueue(targets, calldatas, description);
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDerivativeRegistry.InputSpecSet(MARKET_FORECAST, 0x03, bytes32(0));
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));

        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 2, _ids(CORE), PRICE_MASK);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            req,
            abi.encodeWithSelector(IDerivativeRegistry.WrongChannelMask.selector, MARKET_FORECAST, 0x03, PRICE_MASK)
        );
        assertEq(_signAndDerive(PROVIDER_KEY, _request(provider, 2, _ids(CORE), 0x03)), 1, "the new mask derives");
    }

    function test_derive_requiresTheCertificatesSchemaOnceGovernanceSetsIt() public {
        bytes32 otherSchema = bytes32(uint256(claim.schemaHash) ^ 1);
        vm.prank(address(timelock));
        registry.setInputSpec(PLANTING_PLAN, WEATHER_MASK, otherSchema);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _plantingPlan(),
            abi.encodeWithSelector(
                IDerivativeRegistry.WrongSchema.selector, PLANTING_PLAN, CORE, otherSchema, claim.schemaHash
            )
        );

        vm.prank(address(timelock));
        registry.setInputSpec(PLANTING_PLAN, WEATHER_MASK, claim.schemaHash);
        assertEq(_signAndDerive(PROVIDER_KEY, _plantingPlan()), 1, "the fixture's schema");
    }

    // ---------------------------------------------------------------- the unit itself

    function test_transfers_areLockedToTheCoreProvider() public {
        _signAndDerive(PROVIDER_KEY, _plantingPlan());
        vm.startPrank(provider);
        registry.approve(RELAYER, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1));
        registry.transferFrom(provider, other, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1));
        registry.safeTransferFrom(provider, other, 1);
        vm.stopPrank();
        vm.prank(RELAYER);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1));
        registry.transferFrom(provider, RELAYER, 1);
        assertEq(registry.ownerOf(1), provider, "still the provider's");
    }

    // ---------------------------------------------------------------- credit vault custody

    function testFuzz_setCreditVault_revertsForAnyoneButTheDeployerAndTheTimelock(address caller) public {
        vm.assume(caller != address(this) && caller != address(timelock));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.NotAllowedToSetCreditVault.selector, caller));
        registry.setCreditVault(address(0x7A17));
        assertEq(registry.creditVault(), address(0), "still unset");
    }

    function test_setCreditVault_theDeployerSetsItOnceThenOnlyTheTimelock() public {
        address vault = address(0x7A17);
        address nextVault = address(0x7A18);
        assertEq(registry.creditVault(), address(0), "unset at deploy");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "creditVault"));
        registry.setCreditVault(address(0));

        vm.expectEmit(true, false, false, true, address(registry));
        emit IDerivativeRegistry.CreditVaultSet(vault);
        registry.setCreditVault(vault); // this test contract deployed the registry
        assertEq(registry.creditVault(), vault, "set by the deployer");

        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.NotAllowedToSetCreditVault.selector, address(this)));
        registry.setCreditVault(nextVault);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.NotAllowedToSetCreditVault.selector, provider));
        registry.setCreditVault(nextVault);

        vm.expectEmit(true, false, false, true, address(registry));
        emit IDerivativeRegistry.CreditVaultSet(nextVault);
        vm.prank(address(timelock));
        registry.setCreditVault(nextVault);
        assertEq(registry.creditVault(), nextVault, "changed by the timelock");
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.ZeroAddress.selector, "creditVault"));
        registry.setCreditVault(address(0));
    }

    function test_setCreditVault_theTimelockMaySetItWhileUnset() public {
        vm.prank(address(timelock));
        registry.setCreditVault(address(0x7A17));
        assertEq(registry.creditVault(), address(0x7A17), "set by the timelock");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.NotAllowedToSetCreditVault.selector, address(this)));
        registry.setCreditVault(address(0x7A18));
    }

    function test_custody_theVaultTakesAUnitFromItsOwnerAndReturnsItWithoutApproval() public {
        address vault = address(0x7A17);
        registry.setCreditVault(vault);
        _signAndDerive(PROVIDER_KEY, _plantingPlan());

        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721.Transfer(provider, vault, 1);
        vm.prank(vault);
        registry.transferFrom(provider, vault, 1);
        assertEq(registry.ownerOf(1), vault, "in custody");
        assertTrue(registry.locked(1), "still locked for holders");

        // While in custody, the pledgor cannot take it back and the vault cannot hand it on sideways via `from`.
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1));
        registry.transferFrom(vault, provider, 1);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721.Transfer(vault, provider, 1);
        vm.prank(vault);
        registry.transferFrom(vault, provider, 1);
        assertEq(registry.ownerOf(1), provider, "returned");
        assertTrue(registry.locked(1), "locked again with its owner");
    }

    function test_custody_noOneButTheVaultMovesAUnitAndOnlyIntoOrOutOfCustody() public {
        address vault = address(0x7A17);
        registry.setCreditVault(vault);
        _signAndDerive(PROVIDER_KEY, _plantingPlan());
        bytes memory notTransferable = abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1);

        // The owner cannot move it, not even into the vault.
        vm.startPrank(provider);
        registry.setApprovalForAll(RELAYER, true);
        vm.expectRevert(notTransferable);
        registry.transferFrom(provider, vault, 1);
        vm.expectRevert(notTransferable);
        registry.transferFrom(provider, other, 1);
        vm.stopPrank();
        // An approved operator cannot either.
        vm.startPrank(RELAYER);
        vm.expectRevert(notTransferable);
        registry.transferFrom(provider, vault, 1);
        vm.expectRevert(notTransferable);
        registry.safeTransferFrom(provider, other, 1);
        vm.stopPrank();
        // The vault cannot move a unit between two other accounts.
        vm.prank(vault);
        vm.expectRevert(notTransferable);
        registry.transferFrom(provider, other, 1);
        assertEq(registry.ownerOf(1), provider, "still the provider's");

        // A replaced vault loses the power; the new one has it.
        address nextVault = address(0x7A18);
        vm.prank(address(timelock));
        registry.setCreditVault(nextVault);
        vm.prank(vault);
        vm.expectRevert(notTransferable);
        registry.transferFrom(provider, vault, 1);
        vm.prank(nextVault);
        registry.transferFrom(provider, nextVault, 1);
        assertEq(registry.ownerOf(1), nextVault, "in the new vault's custody");
    }

    function testFuzz_custody_anyCallerButTheVaultCannotMoveAUnit(address caller, address to) public {
        address vault = address(0x7A17);
        registry.setCreditVault(vault);
        _signAndDerive(PROVIDER_KEY, _plantingPlan());
        vm.assume(caller != vault && to != address(0));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, 1));
        registry.transferFrom(provider, to, 1);
    }

    function test_views_revertForAnUnknownDerivative() public {
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownDerivative.selector, 0));
        registry.derivative(0);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownDerivative.selector, 1));
        registry.derivative(1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownDerivative.selector, 1));
        registry.coreIdsOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownDerivative.selector, 1));
        registry.locked(1);
        assertEq(registry.derivativeIdOf(provider, 1, MODEL_VERSION, OUTPUT, _ids(CORE)), 0, "none");
    }

    // ---------------------------------------------------------------- gas

    /// @dev A one-core derive with the test verifier, the provider's first (nonce, balance and every record written
    ///      fresh): the call's execution gas, and as a transaction (minus the cold-account surcharge a transaction's
    ///      own target does not pay, plus the 21,000 base and the calldata: 4 gas per zero byte, 16 per other byte).
    ///      The real binding verifier adds its pairing check per core (test_gas_aGroth16VerificationFitsTheStipend).
    function test_gas_deriveOneCoreWithTheTestVerifier() public {
        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(PROVIDER_KEY, req);
        bytes memory data = abi.encodeCall(DerivativeRegistry.derive, (req, proofs, signature));
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        vm.prank(RELAYER);
        uint256 before = gasleft();
        registry.derive(req, proofs, signature);
        uint256 execution = before - gasleft();
        uint256 transaction = execution - 2_600 + 21_000 + calldataGas;
        emit log_named_uint("derive, 1 core, test verifier: execution gas", execution);
        emit log_named_uint("derive, 1 core, test verifier: transaction gas", transaction);
        assertLt(transaction, 320_000, "one-core derive budget without the pairing check");
    }

    /// @dev What the real binding verifier will add per core: a snarkjs Groth16 verifier, measured on the core-quality
    ///      verifier and its fixture proof (five public signals: one more than the binding verifier, ~6k gas more).
    function test_gas_aGroth16VerificationFitsTheStipend() public {
        string memory json = vm.readFile("contracts/test/fixtures/coreQualityProof.json");
        uint256[5] memory signals = [
            vm.parseJsonUint(json, ".publicSignals[0]"),
            vm.parseJsonUint(json, ".publicSignals[1]"),
            vm.parseJsonUint(json, ".publicSignals[2]"),
            vm.parseJsonUint(json, ".publicSignals[3]"),
            vm.parseJsonUint(json, ".publicSignals[4]")
        ];
        uint256 before = gasleft();
        bool valid = ICoreQualityVerifier(address(coreVerifier)).verifyProof(a, b, c, signals);
        uint256 used = before - gasleft();
        emit log_named_uint("five-signal Groth16 verifyProof: gas", used);
        assertTrue(valid, "fixture proof verifies");
        assertLt(used, registry.BINDING_VERIFIER_GAS(), "fits the per-proof stipend");
    }

    // ---------------------------------------------------------------- TODO: the real binding verifier

    address internal constant REAL_REGISTRY_DEPLOYER = address(0xDE21);

    /// TODO(integrator): enable by deleting the `vm.skip(true)` line once
    /// contracts/test/fixtures/derivationBindingProof.json is proven for THIS derivation. The binding hash is bound to
    /// the registry, so the fixture must be made (scripts/buildProofFixtures.ts) with
    ///   bindingHash = 0x215eed3b4c296d903ece132bc5953bf9ca5ea79244a1b7f799f7dca07cc1f093
    /// = registry.bindingHash(anvil #1, rule 1, core 1, MODEL_ID, MODEL_VERSION, OUTPUT) on chain 31337 for the
    /// registry deployed below by REAL_REGISTRY_DEPLOYER (its first contract,
    /// 0x463a9208b34C6075Fb6c7e0A38976aEF5CD5Aa90, the same under --gas-report and --isolate). Everything else as
    /// the script writes it now: the core fixture's dataset, all seven channels (0x7F, the planting plan's mask),
    /// .featureCommitment, .a/.b/.c. The test logs the binding hash it needs and checks it before deriving. (Checked
    /// once against a proof made that way with prover/proveDerivationBinding.ts: it passes; derive ~526k execution
    /// gas.)
    function test_TODO_derive_acceptsTheRealBindingProofFixture() public {
        vm.skip(true);
        string memory json = vm.readFile("contracts/test/fixtures/derivationBindingProof.json");
        IBindingVerifier real =
            IBindingVerifier(vm.deployCode("DerivationBindingVerifier.sol:DerivationBindingVerifier"));
        // A deployer of its own fixes the registry's address (and so the binding hash), whatever this test contract
        // created before.
        vm.prank(REAL_REGISTRY_DEPLOYER);
        registry = new DerivativeRegistry(cores, rules, real, address(timelock));
        emit log_named_uint("registry address (as uint160)", uint160(address(registry)));
        uint256 needed = registry.bindingHash(provider, 1, CORE, MODEL_ID, MODEL_VERSION, OUTPUT);
        emit log_named_uint("binding hash the fixture must be proven for", needed);
        assertEq(uint256(vm.parseJsonBytes32(json, ".bindingHash")), needed, "fixture proven for another derivation");
        assertEq(vm.parseJsonBytes32(json, ".coreCommitment"), claim.datasetCommitment, "fixture opens another core");
        assertEq(vm.parseJsonUint(json, ".channelMask"), WEATHER_MASK, "the planting plan's channels");

        IDerivativeRegistry.DerivationRequest memory req = _plantingPlan();
        req.featureCommitments[0] = vm.parseJsonBytes32(json, ".featureCommitment");
        IDerivativeRegistry.BindingProof[] memory proofs = new IDerivativeRegistry.BindingProof[](1);
        proofs[0].a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        proofs[0].b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        proofs[0].c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];

        // Another output (so another binding hash) with the same proof fails, then the real derivation mints.
        IDerivativeRegistry.DerivationRequest memory elsewhere = _plantingPlan();
        elsewhere.featureCommitments[0] = req.featureCommitments[0];
        elsewhere.outputHash = keccak256("another plan");
        bytes memory elsewhereSignature = _sign(PROVIDER_KEY, elsewhere);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, CORE));
        _derive(elsewhere, proofs, elsewhereSignature);

        bytes memory signature = _sign(PROVIDER_KEY, req);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDerivativeRegistry.DerivativeMinted(
            1,
            provider,
            1,
            PLANTING_PLAN,
            15_000,
            MODEL_ID,
            MODEL_VERSION,
            OUTPUT,
            keccak256(abi.encodePacked(req.featureCommitments)),
            _ids(CORE)
        );
        assertEq(_derive(req, proofs, signature), 1, "minted with the real verifier");
        assertEq(registry.ownerOf(1), provider, "owned by the core provider");
    }
}

/// @notice TEST-ONLY core verifier that accepts every proof, so the real CoreCertificateRegistry can hold
///         certificates with any thresholds, domains and owners (only the fixture proof exists for the real one).
contract AcceptingCoreVerifier is ICoreQualityVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[5] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}

/// @notice Several cores per derivation and fuzzed proven values: the real CoreCertificateRegistry behind an
///         accepting core verifier, so certificates can be made with any terms.
contract DerivativeRegistryMultiCoreTest is CalderaGovernanceFixture, DerivationHelpers, CoreCertificationSigner {
    uint256 internal constant PROVIDER_KEY = 0xFA12;
    uint256 internal constant OTHER_KEY = 0xFA13;
    address internal provider;
    address internal other;
    uint256 internal certified;

    function setUp() public override {
        super.setUp();
        cores = new CoreCertificateRegistry(new AcceptingCoreVerifier(), rules);
        binding = new ExpectingBindingVerifier();
        registry = new DerivativeRegistry(cores, rules, binding, address(timelock));
        provider = vm.addr(PROVIDER_KEY);
        other = vm.addr(OTHER_KEY);
        vm.prank(provider);
        cores.registerProvider("Provider farm");
        vm.prank(other);
        cores.registerProvider("Other farm");
    }

    function _certify(address owner, uint8 domain, uint16 integrity, uint16 timeliness, uint16 continuity)
        internal
        returns (uint256)
    {
        return _certifyUnder(WEATHER_SCHEMA, owner, domain, integrity, timeliness, continuity);
    }

    function _certifyUnder(
        bytes32 schema,
        address owner,
        uint8 domain,
        uint16 integrity,
        uint16 timeliness,
        uint16 continuity
    ) internal returns (uint256) {
        certified++;
        ICoreCertificateRegistry.CoreClaim memory claim = ICoreCertificateRegistry.CoreClaim({
            provider: owner,
            domain: domain,
            datasetCommitment: bytes32(uint256(keccak256(abi.encode("dataset", certified))) % SNARK_SCALAR_FIELD),
            schemaHash: schema,
            minIntegrityBps: integrity,
            minTimelinessBps: timeliness,
            minContinuityBps: continuity,
            maxGapSlots: 2,
            deadlineSeconds: 300,
            slotSeconds: 900,
            windowStart: 1_700_000_000
        });
        return _signAndCertify(owner == provider ? PROVIDER_KEY : OTHER_KEY, claim);
    }

    /// @dev Signed by `key` (the claim's provider) for its next nonce; the accepting verifier takes any proof.
    function _signAndCertify(uint256 key, ICoreCertificateRegistry.CoreClaim memory claim) internal returns (uint256) {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(key, address(cores), claim, cores.nonces(claim.provider), deadline);
        uint256[2] memory zero2;
        uint256[2][2] memory zero22;
        return cores.certify(claim, zero2, zero22, zero2, deadline, signature);
    }

    function _goodCore(address owner) internal returns (uint256) {
        return _certify(owner, AGRICULTURAL, 9_500, 9_500, 9_500);
    }

    function test_derive_bindsEveryCoreOfAMultiCoreDerivation() public {
        uint256[] memory coreIds = _ids(_goodCore(provider), _goodCore(provider), _goodCore(provider));
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 1, coreIds, WEATHER_MASK);
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes32 featureCommitment = keccak256(
            abi.encodePacked(req.featureCommitments[0], req.featureCommitments[1], req.featureCommitments[2])
        );
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDerivativeRegistry.DerivativeMinted(
            1, provider, 1, PLANTING_PLAN, 15_000, MODEL_ID, MODEL_VERSION, OUTPUT, featureCommitment, coreIds
        );
        _derive(req, proofs, _sign(PROVIDER_KEY, req));
        uint256[] memory stored = registry.coreIdsOf(1);
        assertEq(stored.length, 3, "three cores");
        for (uint256 i = 0; i < 3; i++) {
            assertEq(stored[i], coreIds[i], "core id");
        }
        assertEq(registry.derivative(1).featureCommitment, featureCommitment, "feature commitment");
        assertEq(registry.balanceOf(provider), 1, "one unit for all three cores");
    }

    function test_derive_acceptsFourCores() public {
        uint256[] memory coreIds = new uint256[](4);
        for (uint256 i = 0; i < 4; i++) {
            coreIds[i] = _goodCore(provider);
        }
        assertEq(_signAndDerive(PROVIDER_KEY, _request(provider, 1, coreIds, WEATHER_MASK)), 1, "minted");
    }

    function test_derive_namesTheCoreThatMissesTheRule() public {
        uint256 good = _goodCore(provider);
        uint256 weak = _certify(provider, AGRICULTURAL, 8_999, 9_500, 9_500);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(good, weak), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.RuleNotMet.selector, 1, weak, INTEGRITY, 8_999, 9_000)
        );
        assertEq(registry.derivativeCount(), 0, "nothing minted");
    }

    function test_derive_rejectsAForeignCoreAmongOwnOnes() public {
        uint256 own = _goodCore(provider);
        uint256 foreign = _goodCore(other);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(own, foreign), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.NotCoreOwner.selector, foreign, other, provider)
        );
    }

    function test_derive_rejectsAMixOfDomains() public {
        uint256 farm = _goodCore(provider);
        uint256 plant = _certify(provider, INDUSTRIAL, 9_500, 9_500, 9_500);
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(farm, plant), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.WrongDomain.selector, 1, plant, AGRICULTURAL, INDUSTRIAL)
        );
    }

    function test_derive_derivesAFaultWarningModelFromIndustrialCores() public {
        uint256 plant = _certify(provider, INDUSTRIAL, 9_000, 9_000, 9_500);
        uint256 id = _signAndDerive(PROVIDER_KEY, _request(provider, 3, _ids(plant), EQUIPMENT_MASK));
        assertEq(registry.derivative(id).kind, FAULT_WARNING_MODEL, "kind");
        assertEq(registry.derivative(id).weightBps, 13_000, "1.3x core");
    }

    /// @dev Once governance names a kind's channel schema, every core must be certified under it.
    function test_derive_requiresTheKindsChannelSchemaOnceSet() public {
        uint256 weather = _goodCore(provider);
        uint256 equipment = _certifyUnder(EQUIPMENT_SCHEMA, provider, AGRICULTURAL, 9_500, 9_500, 9_500);
        assertEq(
            _signAndDerive(PROVIDER_KEY, _request(provider, 1, _ids(weather, equipment), WEATHER_MASK)),
            1,
            "schema 0: any schema"
        );

        vm.prank(address(timelock));
        registry.setInputSpec(PLANTING_PLAN, WEATHER_MASK, WEATHER_SCHEMA);
        uint256[] memory both = _ids(weather, equipment);
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 1, both, WEATHER_MASK);
        req.outputHash = keccak256("under the weather schema");
        _deriveExpectingRevert(
            PROVIDER_KEY,
            req,
            abi.encodeWithSelector(
                IDerivativeRegistry.WrongSchema.selector, PLANTING_PLAN, equipment, WEATHER_SCHEMA, EQUIPMENT_SCHEMA
            )
        );
        req.coreIds = _ids(weather);
        req.featureCommitments = _features(req.coreIds, req.outputHash);
        assertEq(_signAndDerive(PROVIDER_KEY, req), 2, "the weather core alone");
    }

    /// @dev The core registry enforces the floors at certification, but governance may raise them afterwards:
    ///      derive checks a core against the current floors.
    function test_derive_rejectsACoreBelowTheFloors() public {
        uint256 patchy = _certify(provider, AGRICULTURAL, 9_500, 9_500, 5_000);
        vm.prank(address(timelock));
        rules.setFloors(AGRICULTURAL, IDerivationRules.Floors(5_000, 5_000, 5_001, 48));
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(patchy), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.BelowFloors.selector, patchy, AGRICULTURAL)
        );
    }

    function test_derive_namesTheCoreWhoseBindingProofFails() public {
        uint256[] memory coreIds = _ids(_goodCore(provider), _goodCore(provider));
        IDerivativeRegistry.DerivationRequest memory req = _request(provider, 1, coreIds, WEATHER_MASK);
        IDerivativeRegistry.BindingProof[] memory proofs = _proofs(2, req.outputHash);
        binding.expectProof(proofs[0], _signals(req, 0)); // only the first core's proof is good
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, coreIds[1]));
        _derive(req, proofs, _sign(PROVIDER_KEY, req));

        // Swapping the two proofs binds neither core.
        IDerivativeRegistry.BindingProof[] memory swapped = new IDerivativeRegistry.BindingProof[](2);
        binding.expectProof(proofs[1], _signals(req, 1));
        swapped[0] = proofs[1];
        swapped[1] = proofs[0];
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, coreIds[0]));
        _derive(req, swapped, _sign(PROVIDER_KEY, req));
        assertEq(_derive(req, proofs, _sign(PROVIDER_KEY, req)), 1, "the right proofs in order");
    }

    /// @dev The core set is part of the derivation: [1] and [1, 2] with one output are two units; each only once.
    function test_derive_coreSetsAreDistinctDerivations() public {
        uint256 first = _goodCore(provider);
        uint256 second = _goodCore(provider);
        assertEq(_signAndDerive(PROVIDER_KEY, _request(provider, 1, _ids(first), WEATHER_MASK)), 1, "one core");
        assertEq(_signAndDerive(PROVIDER_KEY, _request(provider, 1, _ids(first, second), WEATHER_MASK)), 2, "two");
        _deriveExpectingRevert(
            PROVIDER_KEY,
            _request(provider, 1, _ids(first, second), WEATHER_MASK),
            abi.encodeWithSelector(IDerivativeRegistry.DerivationAlreadyMinted.selector, 2)
        );
        assertEq(_signAndDerive(PROVIDER_KEY, _request(provider, 2, _ids(first, second), PRICE_MASK)), 3, "rule 2");
    }

    /// @dev Around each seed rule's threshold (planting plan: integrity 9,000; market forecast: timeliness 8,500), a
    ///      core derives exactly when its proven value reaches the threshold.
    function testFuzz_derive_gatesOnTheProvenValueAroundTheRuleThreshold(uint16 proven, bool forecast) public {
        uint256 ruleId = forecast ? 2 : 1;
        uint16 threshold = forecast ? 8_500 : 9_000;
        proven = uint16(bound(proven, threshold - 100, threshold + 100));
        uint256 core = forecast
            ? _certify(provider, AGRICULTURAL, 9_500, proven, 9_500)
            : _certify(provider, AGRICULTURAL, proven, 9_500, 9_500);
        IDerivativeRegistry.DerivationRequest memory req =
            _request(provider, ruleId, _ids(core), forecast ? PRICE_MASK : WEATHER_MASK);
        if (proven < threshold) {
            _deriveExpectingRevert(
                PROVIDER_KEY,
                req,
                abi.encodeWithSelector(
                    IDerivativeRegistry.RuleNotMet.selector,
                    ruleId,
                    core,
                    forecast ? TIMELINESS : INTEGRITY,
                    proven,
                    threshold
                )
            );
            assertEq(registry.derivativeCount(), 0, "nothing minted");
        } else {
            assertEq(_signAndDerive(PROVIDER_KEY, req), 1, "minted");
            assertEq(registry.derivative(1).weightBps, forecast ? 12_000 : 15_000, "rule weight");
        }
    }

    /// @dev Execution gas as the number of cores grows (test verifier; add ~220k per core for the real one).
    function test_gas_deriveByCoreCount() public {
        for (uint256 n = 1; n <= 4; n++) {
            uint256[] memory coreIds = new uint256[](n);
            for (uint256 i = 0; i < n; i++) {
                coreIds[i] = _goodCore(provider);
            }
            IDerivativeRegistry.DerivationRequest memory req = _request(provider, 1, coreIds, WEATHER_MASK);
            IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
            bytes memory signature = _sign(PROVIDER_KEY, req);
            vm.prank(RELAYER);
            uint256 before = gasleft();
            registry.derive(req, proofs, signature);
            emit log_named_uint(string.concat("derive, cores: ", vm.toString(n)), before - gasleft());
        }
    }
}

/// @notice Drives derive with valid and invalid requests from two providers over a shared pool of cores.
contract DerivativeHandler is DerivationHelpers {
    uint256[2] internal keys = [uint256(0xFA12), uint256(0xFA13)];
    mapping(uint256 providerIndex => uint256[]) internal coresOf;
    IDerivativeRegistry.DerivationRequest internal lastRequest;
    IDerivativeRegistry.BindingProof[] internal lastProofs;
    bytes internal lastSignature;

    mapping(address provider => uint256) public ghostMinted;
    mapping(address provider => uint256) public ghostWeight;
    uint256 public ghostTotal;

    constructor(
        CoreCertificateRegistry cores_,
        ExpectingBindingVerifier binding_,
        DerivativeRegistry registry_,
        uint256[][2] memory coresOf_
    ) {
        cores = cores_;
        binding = binding_;
        registry = registry_;
        coresOf[0] = coresOf_[0];
        coresOf[1] = coresOf_[1];
    }

    function providerKey(uint256 index) external view returns (uint256) {
        return keys[index];
    }

    function provider(uint256 index) public view returns (address) {
        return vm.addr(keys[index]);
    }

    /// @dev A non-empty, increasing subset of the provider's cores, chosen by the bits of `subset`.
    function _subset(uint256 index, uint256 subset) internal view returns (uint256[] memory coreIds) {
        uint256[] storage own = coresOf[index];
        subset = bound(subset, 1, 2 ** own.length - 1);
        uint256 count;
        for (uint256 i = 0; i < own.length; i++) {
            if ((subset >> i) & 1 == 1) count++;
        }
        coreIds = new uint256[](count);
        uint256 k;
        for (uint256 i = 0; i < own.length; i++) {
            if ((subset >> i) & 1 == 1) coreIds[k++] = own[i];
        }
    }

    function _build(uint256 providerSeed, uint256 subset, bool forecast, uint8 outputSeed)
        internal
        view
        returns (IDerivativeRegistry.DerivationRequest memory req, uint256 index)
    {
        index = providerSeed % 2;
        req = _request(provider(index), forecast ? 2 : 1, _subset(index, subset), forecast ? PRICE_MASK : WEATHER_MASK);
        req.outputHash = keccak256(abi.encode("output", outputSeed % 6)); // few outputs: repeats happen
        req.featureCommitments = _features(req.coreIds, req.outputHash);
    }

    function derive(uint256 providerSeed, uint256 subset, bool forecast, uint8 outputSeed) external {
        (IDerivativeRegistry.DerivationRequest memory req, uint256 index) =
            _build(providerSeed, subset, forecast, outputSeed);
        uint256 existing =
            registry.derivativeIdOf(req.provider, req.ruleId, req.modelVersionHash, req.outputHash, req.coreIds);
        IDerivativeRegistry.BindingProof[] memory proofs = _expectBindings(req);
        bytes memory signature = _sign(keys[index], req);
        if (existing != 0) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivationAlreadyMinted.selector, existing));
            _derive(req, proofs, signature);
            return;
        }
        _derive(req, proofs, signature);
        ghostMinted[req.provider]++;
        ghostWeight[req.provider] += forecast ? 12_000 : 15_000;
        ghostTotal++;
        lastRequest = req;
        delete lastProofs;
        for (uint256 i = 0; i < proofs.length; i++) {
            lastProofs.push(proofs[i]);
        }
        lastSignature = signature;
    }

    /// @dev One provider signs for the other's cores.
    function deriveForeign(uint256 providerSeed, uint256 subset, uint8 outputSeed) external {
        (IDerivativeRegistry.DerivationRequest memory req, uint256 index) =
            _build(providerSeed, subset, false, outputSeed);
        address signer = provider(1 - index);
        req.provider = signer;
        req.nonce = registry.nonces(signer);
        _deriveExpectingRevert(
            keys[1 - index],
            req,
            abi.encodeWithSelector(IDerivativeRegistry.NotCoreOwner.selector, req.coreIds[0], provider(index), signer)
        );
    }

    function deriveWithABadProof(uint256 providerSeed, uint256 subset, uint8 outputSeed) external {
        (IDerivativeRegistry.DerivationRequest memory req, uint256 index) =
            _build(providerSeed, subset, false, outputSeed);
        if (registry.derivativeIdOf(req.provider, req.ruleId, req.modelVersionHash, req.outputHash, req.coreIds) != 0) {
            return;
        }
        IDerivativeRegistry.BindingProof[] memory proofs = _proofs(req.coreIds.length, keccak256("unexpected"));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.InvalidBindingProof.selector, req.coreIds[0]));
        _derive(req, proofs, _sign(keys[index], req));
    }

    function replayLast() external {
        if (lastSignature.length == 0) return;
        IDerivativeRegistry.DerivationRequest memory req = lastRequest;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISignedActions.InvalidNonce.selector, req.provider, registry.nonces(req.provider), req.nonce
            )
        );
        _derive(req, lastProofs, lastSignature);
    }
}

contract DerivativeRegistryInvariantTest is
    CalderaGovernanceFixture,
    DerivationHelpers,
    CoreCertificationSigner,
    InvariantTest
{
    DerivativeHandler internal handler;

    function setUp() public override {
        super.setUp();
        cores = new CoreCertificateRegistry(new AcceptingCoreVerifier(), rules);
        binding = new ExpectingBindingVerifier();
        registry = new DerivativeRegistry(cores, rules, binding, address(timelock));
        uint256[2] memory keys = [uint256(0xFA12), uint256(0xFA13)];
        uint256[][2] memory coresOf = [new uint256[](3), new uint256[](3)];
        for (uint256 index = 0; index < 2; index++) {
            address owner = vm.addr(keys[index]);
            vm.prank(owner);
            cores.registerProvider("Farm");
            for (uint256 k = 0; k < 3; k++) {
                ICoreCertificateRegistry.CoreClaim memory claim = ICoreCertificateRegistry.CoreClaim({
                    provider: owner,
                    domain: AGRICULTURAL,
                    datasetCommitment: bytes32(index * 100 + k + 1),
                    schemaHash: WEATHER_SCHEMA,
                    minIntegrityBps: 9_500,
                    minTimelinessBps: 9_000,
                    minContinuityBps: 9_000,
                    maxGapSlots: 1,
                    deadlineSeconds: 300,
                    slotSeconds: 900,
                    windowStart: 1_700_000_000
                });
                uint256[2] memory zero2;
                uint256[2][2] memory zero22;
                bytes memory signature =
                    _signCertification(keys[index], address(cores), claim, k, block.timestamp + 1 hours);
                coresOf[index][k] = cores.certify(claim, zero2, zero22, zero2, block.timestamp + 1 hours, signature);
            }
        }
        handler = new DerivativeHandler(cores, binding, registry, coresOf);
        assertEq(handler.providerKey(1), keys[1], "same keys");
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 32
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_unitsNoncesAndWeightsMatchTheSuccessfulDerivations() public view {
        uint256 count = registry.derivativeCount();
        assertEq(count, handler.ghostTotal(), "count == successful derivations");
        uint256 units;
        for (uint256 index = 0; index < 2; index++) {
            address owner = handler.provider(index);
            assertEq(registry.balanceOf(owner), handler.ghostMinted(owner), "units per provider");
            assertEq(registry.nonces(owner), handler.ghostMinted(owner), "only successes use nonces");
            units += registry.balanceOf(owner);
        }
        assertEq(units, count, "every unit is a provider's");

        uint256[2] memory weights;
        for (uint256 id = 1; id <= count; id++) {
            IDerivativeRegistry.Derivative memory unit = registry.derivative(id);
            address owner = registry.ownerOf(id);
            for (uint256 i = 0; i < unit.coreIds.length; i++) {
                assertEq(cores.certificate(unit.coreIds[i]).provider, owner, "owner == provider of every core");
                if (i > 0) assertLt(unit.coreIds[i - 1], unit.coreIds[i], "cores increasing");
            }
            assertEq(
                registry.derivativeIdOf(owner, unit.ruleId, unit.modelVersionHash, unit.outputHash, unit.coreIds),
                id,
                "one unit per derivation"
            );
            assertEq(unit.weightBps, rules.rule(unit.ruleId).weightBps, "weight == rule weight");
            weights[owner == handler.provider(0) ? 0 : 1] += unit.weightBps;
        }
        assertEq(weights[0], handler.ghostWeight(handler.provider(0)), "weight of provider 0");
        assertEq(weights[1], handler.ghostWeight(handler.provider(1)), "weight of provider 1");
    }
}
