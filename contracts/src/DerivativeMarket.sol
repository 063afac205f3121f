// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SignedActions} from "./SignedActions.sol";
import {ICreditVault} from "./interfaces/ICreditVault.sol";
import {IDerivativeMarket} from "./interfaces/IDerivativeMarket.sol";
import {IDerivativeRegistry} from "./interfaces/IDerivativeRegistry.sol";
import {ISignedActions} from "./interfaces/ISignedActions.sol";

/// @title DerivativeMarket
/// @notice Licences, adoption and invocation records, pull-paid licence revenue and the reward pool for derivative
///         value units (see IDerivativeMarket).
/// @dev EIP-712 domain: name "Caldera Market", version "1", the chain id, this contract; the five action types are
///      the *_TYPEHASH constants below (every field one 32-byte word, in the type string's order).
///
///      ERA custody: the only ERA this contract accounts for is `Σ revenueOf + poolBalance`, and every path that
///      moves ERA changes exactly one side of that sum by exactly the amount moved: a licence fee splits into
///      poolShare = price × shareBps / 10,000 (rounded down) and revenue = price − poolShare, so no wei is lost or
///      created by rounding (the rounding favours the provider over the pool, never the caller); a claim pays
///      min(claimable, poolBalance); a release pays all of an account's revenue. `poolBalance` is not stored: it is
///      totalFunded − totalClaimed, so the pool identity cannot drift. ERA sent here by plain transfer is not
///      accounted and stays here (fund the pool with `fundPool`).
///
///      Licences: every purchase is a new licence record (sequential id). Buying again while the account's licence
///      of the same mode is valid carries the old one over into the new record (PerUse: the remaining uses move to
///      the new licence, the old record's `usesLeft` becomes 0; TimeLimited: the new period starts at the old
///      end), so `licenceOf` always names the one licence in force. A TimeLimited licence is valid while
///      `block.timestamp < validUntil`. A purchase under terms of another mode replaces the licence in force.
///
///      Counting: counts never decrease. An account counts on its first adoption (resp. first invocation) of a
///      derivative if it is admitted at that moment; removing an admission later does not uncount it, and
///      admitting an account later does not count its earlier use. A reward rule is read when a counted use
///      happens: the first counted use at or above the threshold earns the reward, once per derivative and metric.
///
///      Reentrancy: the functions that move ERA (buyLicence, fundPool, claimReward, releaseRevenue) are
///      nonReentrant and write all state before the token call. recordAdoption/recordInvocation and
///      setLicenceTerms only make view (static) calls to the registry and the vault.
contract DerivativeMarket is IDerivativeMarket, SignedActions, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint8 public constant KIND_PLANTING_PLAN = 1;
    uint8 public constant KIND_MARKET_FORECAST = 2;
    uint8 public constant KIND_FAULT_WARNING_MODEL = 3;
    uint8 public constant METRIC_ADOPTERS = 1;
    uint8 public constant METRIC_ENTERPRISES = 2;
    uint16 public constant MAX_BPS = 10_000;

    /// @notice Seed reward rules and pool share, installed by the constructor (then changed only by the timelock).
    uint32 public constant SEED_ADOPTERS_THRESHOLD = 10;
    uint256 public constant SEED_ADOPTERS_REWARD = 500 ether;
    uint32 public constant SEED_ENTERPRISES_THRESHOLD = 3;
    uint256 public constant SEED_ENTERPRISES_REWARD = 1_200 ether;
    uint16 public constant SEED_POOL_SHARE_BPS = 1_000;

    bytes32 public constant LICENCE_TERMS_TYPEHASH = keccak256(
        "LicenceTerms(uint256 derivativeId,uint256 price,uint8 mode,uint64 quantity,bool active,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant LICENCE_PURCHASE_TYPEHASH = keccak256(
        "LicencePurchase(uint256 derivativeId,address licensee,uint256 maxPrice,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant ADOPTION_TYPEHASH =
        keccak256("Adoption(uint256 derivativeId,address adopter,uint256 nonce,uint256 deadline)");
    bytes32 public constant INVOCATION_TYPEHASH = keccak256(
        "Invocation(uint256 derivativeId,address enterprise,bytes32 inputHash,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant POOL_FUNDING_TYPEHASH =
        keccak256("PoolFunding(address funder,uint256 amount,uint256 nonce,uint256 deadline)");

    IERC20 internal immutable _era;
    IDerivativeRegistry internal immutable _registry;
    address internal immutable _vault;
    /// @inheritdoc IDerivativeMarket
    address public immutable timelock;

    /// @dev Terms in one slot: a price above 2^128 wei (far above ERA's supply) reverts with SafeCast's error.
    struct StoredTerms {
        uint128 price;
        LicenceMode mode;
        uint64 quantity;
        bool active;
    }

    /// @dev A Licence in two slots: (licensee, mode, usesLeft) and (derivativeId, validUntil, pricePaid).
    struct StoredLicence {
        address licensee;
        LicenceMode mode;
        uint64 usesLeft;
        uint64 derivativeId;
        uint64 validUntil;
        uint128 pricePaid;
    }

    mapping(uint256 derivativeId => StoredTerms) internal _terms;
    uint256 internal _licenceCount;
    mapping(uint256 licenceId => StoredLicence) internal _licences;
    mapping(uint256 derivativeId => mapping(address account => uint256 licenceId)) internal _licenceOf;
    mapping(uint256 derivativeId => mapping(address account => bool)) internal _adopted;
    mapping(uint256 derivativeId => mapping(address account => bool)) internal _invoked;
    mapping(uint256 derivativeId => mapping(uint8 metric => uint32)) internal _counted;
    mapping(uint256 derivativeId => mapping(uint8 metric => Reward)) internal _rewards;
    mapping(uint8 kind => mapping(uint8 metric => RewardRule)) internal _rewardRules;
    mapping(address account => uint256) internal _revenueOf;
    mapping(address account => bool) internal _admitted;
    uint16 internal _poolShareBps;
    uint256 internal _totalFunded;
    uint256 internal _totalClaimed;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param era_ ERA, the currency of licences and rewards.
    /// @param registry_ The derivative registry: kinds and owners of the units.
    /// @param vault_ The credit vault: the pledgor of a unit it holds, and whether it seized it.
    /// @param timelock_ The governance timelock, the only account that may change rules, share and admissions.
    constructor(IERC20 era_, IDerivativeRegistry registry_, ICreditVault vault_, address timelock_)
        SignedActions("Caldera Market", "1")
    {
        if (address(era_) == address(0)) revert ZeroAddress("era");
        if (address(registry_) == address(0)) revert ZeroAddress("derivativeRegistry");
        if (address(vault_) == address(0)) revert ZeroAddress("creditVault");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _era = era_;
        _registry = registry_;
        _vault = address(vault_);
        timelock = timelock_;

        _setRewardRule(KIND_PLANTING_PLAN, METRIC_ADOPTERS, SEED_ADOPTERS_THRESHOLD, SEED_ADOPTERS_REWARD);
        _setRewardRule(
            KIND_FAULT_WARNING_MODEL, METRIC_ENTERPRISES, SEED_ENTERPRISES_THRESHOLD, SEED_ENTERPRISES_REWARD
        );
        _setPoolShare(SEED_POOL_SHARE_BPS);
    }

    // ------------------------------------------------------------------------------------------ licences

    /// @inheritdoc IDerivativeMarket
    /// @dev Checks deadline, then the provider's nonce, then that the provider signed (NotProvider names who did,
    ///      as far as ECDSA recovers it, else 0). The derivative must exist (UnknownDerivative).
    function setLicenceTerms(TermsRequest calldata req, bytes calldata signature) external {
        address provider = providerOf(req.derivativeId);
        bytes32 structHash = keccak256(
            abi.encode(
                LICENCE_TERMS_TYPEHASH,
                req.derivativeId,
                req.price,
                uint256(req.mode),
                uint256(req.quantity),
                req.active,
                req.nonce,
                req.deadline
            )
        );
        _verifyProviderAction(req.derivativeId, provider, structHash, req.deadline, req.nonce, signature);
        if (req.mode == LicenceMode.None || req.quantity == 0) revert InvalidLicenceTerms(req.mode, req.quantity);
        _terms[req.derivativeId] = StoredTerms({
            price: SafeCast.toUint128(req.price), mode: req.mode, quantity: req.quantity, active: req.active
        });
        emit LicenceTermsSet(req.derivativeId, provider, req.price, req.mode, req.quantity, req.active);
    }

    /// @inheritdoc IDerivativeMarket
    function buyLicence(PurchaseRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        nonReentrant
        returns (uint256 licenceId)
    {
        _verifyAction(
            req.licensee,
            keccak256(
                abi.encode(
                    LICENCE_PURCHASE_TYPEHASH, req.derivativeId, req.licensee, req.maxPrice, req.nonce, req.deadline
                )
            ),
            req.deadline,
            req.nonce,
            signature
        );
        StoredTerms memory terms = _terms[req.derivativeId];
        if (!terms.active) revert NotForSale(req.derivativeId);
        if (terms.price > req.maxPrice) revert PriceAboveMaximum(terms.price, req.maxPrice);

        address payee = payeeOf(req.derivativeId);
        uint256 price = terms.price;
        // Rounded down: the pool never gets more than its share; the remainder (incl. rounding) is the payee's.
        uint256 poolShare = price * _poolShareBps / MAX_BPS;
        uint256 revenue = price - poolShare;

        licenceId = ++_licenceCount;
        StoredLicence memory bought = _newLicence(req.derivativeId, req.licensee, terms);
        _licences[licenceId] = bought;
        _licenceOf[req.derivativeId][req.licensee] = licenceId;
        _revenueOf[payee] += revenue;
        _totalFunded += poolShare;

        _pull(req.licensee, price, permit);

        _emitPurchased(licenceId, req.derivativeId, req.licensee, payee, price, revenue, poolShare, bought);
        if (poolShare != 0) emit PoolFunded(address(this), poolShare, poolBalance());
    }

    // ------------------------------------------------------------------------------------------ use

    /// @inheritdoc IDerivativeMarket
    /// @dev Checks, in order: signature; the derivative's kind (UnknownDerivative, WrongUsageKind); AlreadyAdopted;
    ///      the licence (NoLicence).
    function recordAdoption(AdoptionRequest calldata req, bytes calldata signature) external {
        _verifyAction(
            req.adopter,
            keccak256(abi.encode(ADOPTION_TYPEHASH, req.derivativeId, req.adopter, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        uint8 kind = _kindOf(req.derivativeId);
        if (kind != KIND_PLANTING_PLAN && kind != KIND_MARKET_FORECAST) revert WrongUsageKind(req.derivativeId, kind);
        if (_adopted[req.derivativeId][req.adopter]) revert AlreadyAdopted(req.derivativeId, req.adopter);
        uint256 licenceId = _useLicence(req.derivativeId, req.adopter);
        _adopted[req.derivativeId][req.adopter] = true;

        bool counted = _admitted[req.adopter];
        uint32 count = _counted[req.derivativeId][METRIC_ADOPTERS];
        if (counted) _counted[req.derivativeId][METRIC_ADOPTERS] = ++count;
        emit AdoptionRecorded(req.derivativeId, req.adopter, licenceId, counted, count);
        if (counted) _earnIfCrossed(req.derivativeId, kind, METRIC_ADOPTERS, count);
    }

    /// @inheritdoc IDerivativeMarket
    /// @dev Checks, in order: signature; the derivative's kind (UnknownDerivative, WrongUsageKind); the licence
    ///      (NoLicence). Every invocation is recorded and uses a use; only the first one of an admitted enterprise
    ///      counts.
    function recordInvocation(InvocationRequest calldata req, bytes32 resultHash, bytes calldata signature) external {
        _verifyAction(
            req.enterprise,
            keccak256(
                abi.encode(
                    INVOCATION_TYPEHASH, req.derivativeId, req.enterprise, req.inputHash, req.nonce, req.deadline
                )
            ),
            req.deadline,
            req.nonce,
            signature
        );
        uint8 kind = _kindOf(req.derivativeId);
        if (kind != KIND_FAULT_WARNING_MODEL) revert WrongUsageKind(req.derivativeId, kind);
        uint256 licenceId = _useLicence(req.derivativeId, req.enterprise);

        bool counted;
        if (!_invoked[req.derivativeId][req.enterprise]) {
            _invoked[req.derivativeId][req.enterprise] = true;
            counted = _admitted[req.enterprise];
        }
        uint32 count = _counted[req.derivativeId][METRIC_ENTERPRISES];
        if (counted) _counted[req.derivativeId][METRIC_ENTERPRISES] = ++count;
        emit InvocationRecorded(req.derivativeId, req.enterprise, licenceId, req.inputHash, resultHash, counted, count);
        if (counted) _earnIfCrossed(req.derivativeId, kind, METRIC_ENTERPRISES, count);
    }

    // ------------------------------------------------------------------------------------------ ERA out

    /// @inheritdoc IDerivativeMarket
    function claimReward(uint256 derivativeId, uint8 metric) external nonReentrant returns (uint256 paid) {
        Reward storage owedReward = _rewards[derivativeId][metric];
        uint256 due = owedReward.owed - owedReward.paid;
        if (due == 0) revert NothingToClaim(derivativeId, metric);
        uint256 available = poolBalance();
        if (available == 0) revert PoolEmpty(derivativeId, metric, due);
        paid = due < available ? due : available;
        owedReward.paid += paid;
        _totalClaimed += paid;
        address payee = payeeOf(derivativeId);

        _era.safeTransfer(payee, paid);
        emit RewardClaimed(derivativeId, metric, payee, paid, due - paid);
    }

    /// @inheritdoc IDerivativeMarket
    function releaseRevenue(address account) external nonReentrant returns (uint256 amount) {
        amount = _revenueOf[account];
        if (amount == 0) revert NothingToRelease(account);
        _revenueOf[account] = 0;

        _era.safeTransfer(account, amount);
        emit RevenueReleased(account, amount);
    }

    /// @inheritdoc IDerivativeMarket
    function fundPool(FundingRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        nonReentrant
    {
        if (req.amount == 0) revert ZeroAmount();
        _verifyAction(
            req.funder,
            keccak256(abi.encode(POOL_FUNDING_TYPEHASH, req.funder, req.amount, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        _totalFunded += req.amount;

        _pull(req.funder, req.amount, permit);
        emit PoolFunded(req.funder, req.amount, poolBalance());
    }

    // ------------------------------------------------------------------------------------------ governance

    /// @inheritdoc IDerivativeMarket
    function setRewardRule(uint8 kind, uint8 metric, uint32 threshold, uint256 amount) external onlyGovernance {
        _setRewardRule(kind, metric, threshold, amount);
    }

    /// @inheritdoc IDerivativeMarket
    function setPoolShare(uint16 shareBps) external onlyGovernance {
        _setPoolShare(shareBps);
    }

    /// @inheritdoc IDerivativeMarket
    function setAdmitted(address[] calldata accounts, bool admitted) external onlyGovernance {
        for (uint256 i = 0; i < accounts.length; i++) {
            _admitted[accounts[i]] = admitted;
            emit AdmissionSet(accounts[i], admitted);
        }
    }

    // ------------------------------------------------------------------------------------------ views

    /// @inheritdoc IDerivativeMarket
    function termsOf(uint256 derivativeId) external view returns (Terms memory) {
        StoredTerms memory terms = _terms[derivativeId];
        return Terms({price: terms.price, mode: terms.mode, quantity: terms.quantity, active: terms.active});
    }

    /// @inheritdoc IDerivativeMarket
    function licence(uint256 licenceId) external view returns (Licence memory) {
        StoredLicence memory stored = _licences[licenceId];
        return Licence({
            derivativeId: stored.derivativeId,
            licensee: stored.licensee,
            pricePaid: stored.pricePaid,
            mode: stored.mode,
            usesLeft: stored.usesLeft,
            validUntil: stored.validUntil
        });
    }

    /// @inheritdoc IDerivativeMarket
    function licenceOf(uint256 derivativeId, address account) external view returns (uint256) {
        return _licenceOf[derivativeId][account];
    }

    /// @inheritdoc IDerivativeMarket
    function hasValidLicence(uint256 derivativeId, address account) public view returns (bool) {
        uint256 licenceId = _licenceOf[derivativeId][account];
        if (licenceId == 0) return false;
        return _isValid(_licences[licenceId]);
    }

    /// @inheritdoc IDerivativeMarket
    function hasAdopted(uint256 derivativeId, address account) external view returns (bool) {
        return _adopted[derivativeId][account];
    }

    /// @inheritdoc IDerivativeMarket
    function hasInvoked(uint256 derivativeId, address account) external view returns (bool) {
        return _invoked[derivativeId][account];
    }

    /// @inheritdoc IDerivativeMarket
    function countedAccounts(uint256 derivativeId, uint8 metric) external view returns (uint32) {
        return _counted[derivativeId][metric];
    }

    /// @inheritdoc IDerivativeMarket
    function reward(uint256 derivativeId, uint8 metric) external view returns (Reward memory) {
        return _rewards[derivativeId][metric];
    }

    /// @inheritdoc IDerivativeMarket
    function claimable(uint256 derivativeId, uint8 metric) external view returns (uint256) {
        Reward storage owedReward = _rewards[derivativeId][metric];
        return owedReward.owed - owedReward.paid;
    }

    /// @inheritdoc IDerivativeMarket
    function rewardRule(uint8 kind, uint8 metric) external view returns (RewardRule memory) {
        return _rewardRules[kind][metric];
    }

    /// @inheritdoc IDerivativeMarket
    function poolShareBps() external view returns (uint16) {
        return _poolShareBps;
    }

    /// @inheritdoc IDerivativeMarket
    function poolBalance() public view returns (uint256) {
        return _totalFunded - _totalClaimed;
    }

    /// @inheritdoc IDerivativeMarket
    function totalFunded() external view returns (uint256) {
        return _totalFunded;
    }

    /// @inheritdoc IDerivativeMarket
    function totalClaimed() external view returns (uint256) {
        return _totalClaimed;
    }

    /// @inheritdoc IDerivativeMarket
    function revenueOf(address account) external view returns (uint256) {
        return _revenueOf[account];
    }

    /// @inheritdoc IDerivativeMarket
    function isAdmitted(address account) external view returns (bool) {
        return _admitted[account];
    }

    /// @inheritdoc IDerivativeMarket
    /// @dev The vault if it seized the unit; else the provider, or the vault should the vault hold the unit without
    ///      naming a pledgor (so owed ERA never accrues to address(0), from where it could not be released).
    function payeeOf(uint256 derivativeId) public view returns (address) {
        if (ICreditVault(_vault).isSeized(derivativeId)) return _vault;
        address provider = providerOf(derivativeId);
        return provider == address(0) ? _vault : provider;
    }

    /// @inheritdoc IDerivativeMarket
    /// @dev The unit's owner, or its pledgor while the vault holds it. Reverts UnknownDerivative for an id the
    ///      registry never minted.
    function providerOf(uint256 derivativeId) public view returns (address) {
        address owner = _ownerOf(derivativeId);
        if (owner == _vault) return ICreditVault(_vault).pledgorOf(derivativeId);
        return owner;
    }

    /// @inheritdoc IDerivativeMarket
    function era() external view returns (address) {
        return address(_era);
    }

    /// @inheritdoc IDerivativeMarket
    function derivativeRegistry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IDerivativeMarket
    function creditVault() external view returns (address) {
        return _vault;
    }

    /// @inheritdoc SignedActions
    function nonces(address signer) public view override(ISignedActions, SignedActions) returns (uint256) {
        return super.nonces(signer);
    }

    // ------------------------------------------------------------------------------------------ internals

    /// @dev SignedActions' order (deadline, nonce, signature) for an action whose signer is implied by the
    ///      derivative: the provider. A signature by anyone else reverts NotProvider naming the recovered signer.
    function _verifyProviderAction(
        uint256 derivativeId,
        address provider,
        bytes32 structHash,
        uint256 deadline,
        uint256 nonce,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        uint256 expected = nonces(provider);
        if (nonce != expected) revert InvalidNonce(provider, expected, nonce);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!_isValidSignatureNow(provider, digest, signature)) {
            (address signer,,) = ECDSA.tryRecover(digest, signature);
            revert NotProvider(derivativeId, signer, provider);
        }
        _useNonce(provider);
    }

    /// @dev The licence a purchase under `terms` creates, carrying over the account's licence in force of the same
    ///      mode (whose remaining uses it zeroes, so no use exists twice).
    function _newLicence(uint256 derivativeId, address licensee, StoredTerms memory terms)
        internal
        returns (StoredLicence memory bought)
    {
        bought = StoredLicence({
            licensee: licensee,
            mode: terms.mode,
            usesLeft: 0,
            derivativeId: SafeCast.toUint64(derivativeId),
            validUntil: 0,
            pricePaid: terms.price
        });
        uint256 previousId = _licenceOf[derivativeId][licensee];
        StoredLicence storage previous = _licences[previousId];
        bool carry = previousId != 0 && previous.mode == terms.mode && _isValid(previous);
        if (terms.mode == LicenceMode.PerUse) {
            bought.usesLeft = terms.quantity;
            if (carry) {
                bought.usesLeft += previous.usesLeft;
                previous.usesLeft = 0;
            }
        } else {
            uint64 start = carry ? previous.validUntil : SafeCast.toUint64(block.timestamp);
            bought.validUntil = start + terms.quantity;
        }
    }

    function _isValid(StoredLicence storage held) internal view returns (bool) {
        if (held.mode == LicenceMode.PerUse) return held.usesLeft != 0;
        return held.mode == LicenceMode.TimeLimited && block.timestamp < held.validUntil;
    }

    /// @dev Uses one use of `account`'s licence in force for `derivativeId` (none for TimeLimited).
    function _useLicence(uint256 derivativeId, address account) internal returns (uint256 licenceId) {
        licenceId = _licenceOf[derivativeId][account];
        StoredLicence storage held = _licences[licenceId];
        if (licenceId == 0 || !_isValid(held)) revert NoLicence(derivativeId, account);
        if (held.mode == LicenceMode.PerUse) held.usesLeft -= 1;
    }

    /// @dev Records the reward as owed the first time a counted use reaches the rule's threshold.
    function _earnIfCrossed(uint256 derivativeId, uint8 kind, uint8 metric, uint32 count) internal {
        RewardRule storage rule = _rewardRules[kind][metric];
        uint32 threshold = rule.threshold;
        if (threshold == 0 || count < threshold) return;
        Reward storage earned = _rewards[derivativeId][metric];
        if (earned.earnedAt != 0) return;
        uint256 amount = rule.amount;
        earned.owed = amount;
        earned.earnedAt = uint64(block.timestamp);
        emit RewardEarned(derivativeId, metric, payeeOf(derivativeId), amount);
    }

    /// @dev Pulls `amount` ERA from `from` after its permit, if any. A failing permit (e.g. front-run, so already
    ///      used) is ignored: the transferFrom then decides, on whatever allowance there is.
    function _pull(address from, uint256 amount, Permit calldata permit) internal {
        if (permit.deadline != 0) {
            try IERC20Permit(address(_era))
                .permit(from, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
        if (amount != 0) _era.safeTransferFrom(from, address(this), amount);
    }

    /// @dev The registry's owner of the unit; an id it never minted reverts UnknownDerivative, any other failure
    ///      is passed through.
    function _ownerOf(uint256 derivativeId) internal view returns (address) {
        try _registry.ownerOf(derivativeId) returns (address owner) {
            return owner;
        } catch (bytes memory reason) {
            // casting to 'bytes4' is safe because it takes the selector, the first four bytes of the revert data
            // forge-lint: disable-next-line(unsafe-typecast)
            if (reason.length >= 4 && bytes4(reason) == IERC721Errors.ERC721NonexistentToken.selector) {
                revert UnknownDerivative(derivativeId);
            }
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    /// @dev The registry reverts with UnknownDerivative (the same error as ours) for an unknown id.
    function _kindOf(uint256 derivativeId) internal view returns (uint8) {
        return _registry.derivative(derivativeId).kind;
    }

    function _setRewardRule(uint8 kind, uint8 metric, uint32 threshold, uint256 amount) internal {
        if (kind == 0 || kind > KIND_FAULT_WARNING_MODEL || (metric != METRIC_ADOPTERS && metric != METRIC_ENTERPRISES))
        {
            revert UnknownRewardRule(kind, metric);
        }
        _rewardRules[kind][metric] = RewardRule({threshold: threshold, amount: amount});
        emit RewardRuleSet(kind, metric, threshold, amount);
    }

    function _setPoolShare(uint16 shareBps) internal {
        if (shareBps > MAX_BPS) revert BpsOutOfRange(shareBps);
        _poolShareBps = shareBps;
        emit PoolShareSet(shareBps);
    }

    /// @dev Its own frame: the event's ten fields do not fit beside buyLicence's locals on the stack.
    function _emitPurchased(
        uint256 licenceId,
        uint256 derivativeId,
        address licensee,
        address payee,
        uint256 price,
        uint256 revenue,
        uint256 poolShare,
        StoredLicence memory bought
    ) internal {
        emit LicencePurchased(
            licenceId,
            derivativeId,
            licensee,
            payee,
            price,
            revenue,
            poolShare,
            bought.mode,
            bought.usesLeft,
            bought.validUntil
        );
    }
}
