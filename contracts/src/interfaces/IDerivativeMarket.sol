// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISignedActions} from "./ISignedActions.sol";

/// @title Derivative market: usage rights, adoption and invocation, revenue and the reward pool
/// @notice ERA circulation of derivative value (module 1, second half). A derivative's provider sets licence terms;
///         anyone buys usage rights in ERA; licensed accounts adopt a planting plan or market forecast (once per
///         account per derivative) or invoke a fault-warning model through the hub. A governed share of every
///         licence fee funds the reward pool (anyone may also fund it); the rest is owed to the derivative's payee
///         and paid out by pull (`releaseRevenue`). When a derivative's distinct counted adopters (or invoking
///         enterprises) reach a governed threshold, the pool owes its payee the threshold's reward, once; a claim
///         pays what the pool holds and records the rest as debt, paid by a later claim after the pool is refilled.
/// @dev Signed actions (ISignedActions), EIP-712 domain name "Caldera Market", version "1":
///        LicenceTerms(uint256 derivativeId,uint256 price,uint8 mode,uint64 quantity,bool active,uint256 nonce,uint256 deadline)
///          signed by the derivative's provider;
///        LicencePurchase(uint256 derivativeId,address licensee,uint256 maxPrice,uint256 nonce,uint256 deadline)
///          signed by the licensee;
///        Adoption(uint256 derivativeId,address adopter,uint256 nonce,uint256 deadline) signed by the adopter;
///        Invocation(uint256 derivativeId,address enterprise,bytes32 inputHash,uint256 nonce,uint256 deadline)
///          signed by the enterprise;
///        PoolFunding(address funder,uint256 amount,uint256 nonce,uint256 deadline) signed by the funder.
///      ERA is pulled with `transferFrom` after an optional ERC-2612 permit in the same call (a permit that fails,
///      e.g. because it was front-run, is ignored when the allowance already suffices).
///
///      Provider and payee. A derivative's provider is the account it was minted to. While the unit is pledged to
///      the CreditVault (which then holds it) the provider still sets terms and is still paid; once the vault has
///      seized it on a default, the vault is the payee (revenue and rewards go to the lenders' pool).
///
///      Sybil resistance (a stated property, tested): an adoption or invocation *counts* toward a reward threshold
///      only when its account was admitted by governance (`setAdmitted`, a passed vote, e.g. the farmers of a
///      cooperative or registered enterprises) and holds a licence for the derivative. Accounts from fresh
///      addresses can still buy licences and record use, but they never count, so an attacker cannot mint reward
///      from addresses it creates: its cost is the licence fees, its reward zero. Each account counts at most once
///      per derivative and threshold.
///
///      Kinds (as in IDerivationRules): 1 planting plan and 2 market forecast are adopted; 3 fault-warning model is
///      invoked. Metrics: 1 = distinct adopters, 2 = distinct invoking enterprises. Seed reward rules installed at
///      deploy: kind 1 / adopters / 10 → 500 ERA; kind 3 / enterprises / 3 → 1,200 ERA. Seed pool share: 1,000 bps.
///
///      Custody of ERA: this contract's ERA balance always equals Σ revenue owed + the reward pool's balance.
interface IDerivativeMarket is ISignedActions {
    /// @notice How a licence is limited: by a number of uses (adoption or invocation each use one) or by time.
    enum LicenceMode {
        None,
        PerUse,
        TimeLimited
    }

    /// @notice A derivative's current licence terms: `price` ERA wei per licence; `quantity` uses (PerUse) or
    ///         seconds (TimeLimited); inactive terms sell nothing.
    struct Terms {
        uint256 price;
        LicenceMode mode;
        uint64 quantity;
        bool active;
    }

    struct TermsRequest {
        uint256 derivativeId;
        uint256 price;
        LicenceMode mode;
        uint64 quantity;
        bool active;
        uint256 nonce;
        uint256 deadline;
    }

    struct PurchaseRequest {
        uint256 derivativeId;
        address licensee;
        /// The most the licensee agrees to pay (terms may change between signing and sending).
        uint256 maxPrice;
        uint256 nonce;
        uint256 deadline;
    }

    struct AdoptionRequest {
        uint256 derivativeId;
        address adopter;
        uint256 nonce;
        uint256 deadline;
    }

    struct InvocationRequest {
        uint256 derivativeId;
        address enterprise;
        /// keccak256 of the canonical JSON of the readings the model ran on.
        bytes32 inputHash;
        uint256 nonce;
        uint256 deadline;
    }

    struct FundingRequest {
        address funder;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice An ERC-2612 permit for the ERA the call pulls; `deadline == 0` means "no permit, use the allowance".
    struct Permit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice A licence as bought. `usesLeft` counts down for PerUse; `validUntil` bounds TimeLimited.
    struct Licence {
        uint256 derivativeId;
        address licensee;
        uint256 pricePaid;
        LicenceMode mode;
        uint64 usesLeft;
        uint64 validUntil;
    }

    /// @notice A reward threshold: when a derivative of `kind` reaches `threshold` distinct counted accounts on
    ///         `metric`, its payee is owed `amount` ERA, once per derivative. `threshold == 0` disables it.
    struct RewardRule {
        uint32 threshold;
        uint256 amount;
    }

    /// @notice A derivative's reward on one metric: owed once the threshold was crossed, and what was paid.
    struct Reward {
        uint256 owed;
        uint256 paid;
        uint64 earnedAt;
    }

    /// @notice Only the governance timelock may change reward rules, the pool share or admissions.
    error NotGovernance(address caller);
    /// @notice A constructor dependency (`parameter`) is the zero address.
    error ZeroAddress(string parameter);
    /// @notice No derivative has this id (the registry's error of the same name, so clients decode it here too).
    error UnknownDerivative(uint256 derivativeId);
    /// @notice `signer` is not the provider of `derivativeId` (`provider` is).
    error NotProvider(uint256 derivativeId, address signer, address provider);
    /// @notice Terms must name PerUse or TimeLimited with a nonzero quantity.
    error InvalidLicenceTerms(LicenceMode mode, uint64 quantity);
    /// @notice `derivativeId` has no active licence terms.
    error NotForSale(uint256 derivativeId);
    /// @notice The price (`price`) is above what the licensee signed for (`maxPrice`).
    error PriceAboveMaximum(uint256 price, uint256 maxPrice);
    /// @notice `account` has no valid licence for `derivativeId` (none, used up or expired).
    error NoLicence(uint256 derivativeId, address account);
    /// @notice `account` already adopted `derivativeId`.
    error AlreadyAdopted(uint256 derivativeId, address account);
    /// @notice Derivatives of `kind` are not used that way (adoption: kinds 1 and 2; invocation: kind 3).
    error WrongUsageKind(uint256 derivativeId, uint8 kind);
    /// @notice The metric is not 1 (adopters) or 2 (enterprises), or the kind is not 1..3.
    error UnknownRewardRule(uint8 kind, uint8 metric);
    /// @notice A basis-point value is above 10,000.
    error BpsOutOfRange(uint256 valueBps);
    /// @notice Nothing is claimable for `derivativeId` on `metric` (not earned, or already paid in full).
    error NothingToClaim(uint256 derivativeId, uint8 metric);
    /// @notice The reward is owed but the pool is empty; it is recorded as debt and paid after the pool is funded.
    error PoolEmpty(uint256 derivativeId, uint8 metric, uint256 owed);
    /// @notice `account` has no revenue to release.
    error NothingToRelease(address account);
    /// @notice An amount must be above zero.
    error ZeroAmount();

    /// @notice Emitted after `derivativeId`'s terms were set by its provider.
    event LicenceTermsSet(
        uint256 indexed derivativeId, address indexed provider, uint256 price, LicenceMode mode, uint64 quantity, bool active
    );
    /// @notice Emitted after a licence was bought: `pricePaid` split into `revenue` (owed to `payee`) and
    ///         `poolShare` (into the reward pool).
    event LicencePurchased(
        uint256 indexed licenceId,
        uint256 indexed derivativeId,
        address indexed licensee,
        address payee,
        uint256 pricePaid,
        uint256 revenue,
        uint256 poolShare,
        LicenceMode mode,
        uint64 usesLeft,
        uint64 validUntil
    );
    /// @notice Emitted after an adoption was recorded; `counted` says whether it counts toward the threshold
    ///         (admitted account), `countedAdopters` is the derivative's count after it.
    event AdoptionRecorded(
        uint256 indexed derivativeId, address indexed adopter, uint256 indexed licenceId, bool counted, uint32 countedAdopters
    );
    /// @notice Emitted after an invocation was recorded; `counted` is true for an admitted enterprise's first
    ///         invocation of the derivative; `countedEnterprises` is the count after it.
    event InvocationRecorded(
        uint256 indexed derivativeId,
        address indexed enterprise,
        uint256 indexed licenceId,
        bytes32 inputHash,
        bytes32 resultHash,
        bool counted,
        uint32 countedEnterprises
    );
    /// @notice Emitted after `derivativeId` crossed `metric`'s threshold: its payee is owed `amount`.
    event RewardEarned(uint256 indexed derivativeId, uint8 indexed metric, address indexed payee, uint256 amount);
    /// @notice Emitted after a claim paid `amount` to `payee`; `debt` is what the pool still owes on this reward.
    event RewardClaimed(
        uint256 indexed derivativeId, uint8 indexed metric, address indexed payee, uint256 amount, uint256 debt
    );
    /// @notice Emitted after the pool received `amount` from `funder` (licence shares carry the market itself).
    event PoolFunded(address indexed funder, uint256 amount, uint256 poolBalance);
    /// @notice Emitted after `amount` of revenue owed to `account` was sent to it.
    event RevenueReleased(address indexed account, uint256 amount);
    /// @notice Emitted after a reward rule was set (also the seed rules, at deploy).
    event RewardRuleSet(uint8 indexed kind, uint8 indexed metric, uint32 threshold, uint256 amount);
    /// @notice Emitted after the pool's share of licence fees was set (also the seed share, at deploy).
    event PoolShareSet(uint16 shareBps);
    /// @notice Emitted after governance admitted (or removed) an account whose use counts toward rewards.
    event AdmissionSet(address indexed account, bool admitted);

    /// @notice Sets `req.derivativeId`'s licence terms on its provider's signature. Licences already sold keep
    ///         their terms.
    function setLicenceTerms(TermsRequest calldata req, bytes calldata signature) external;

    /// @notice Sells a licence at the current terms on the licensee's signature, pulling the price in ERA (after
    ///         `permit`, if given): the pool share goes to the reward pool, the rest is owed to the payee. Buying
    ///         again while a licence is valid adds uses (PerUse) or extends from the later of now and the current
    ///         end (TimeLimited).
    /// @return licenceId Sequential, from 1.
    function buyLicence(PurchaseRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        returns (uint256 licenceId);

    /// @notice Records an adoption (kinds 1 and 2) by a licensed account, once per account and derivative; uses
    ///         one use of a PerUse licence. Counts toward the adopters threshold if the account is admitted; crossing
    ///         it records the reward as owed.
    function recordAdoption(AdoptionRequest calldata req, bytes calldata signature) external;

    /// @notice Records an invocation (kind 3) of a licensed enterprise, with the hub's `resultHash` (keccak256 of
    ///         the canonical JSON result); uses one use of a PerUse licence. An admitted enterprise's first
    ///         invocation of the derivative counts toward the enterprises threshold.
    function recordInvocation(InvocationRequest calldata req, bytes32 resultHash, bytes calldata signature) external;

    /// @notice Pays the payee of `derivativeId` what is claimable on `metric`, up to the pool's balance; anyone may
    ///         call it (the ERA only goes to the payee). Reverts NothingToClaim, or PoolEmpty when the pool holds 0.
    /// @return paid The amount sent now.
    function claimReward(uint256 derivativeId, uint8 metric) external returns (uint256 paid);

    /// @notice Moves `req.amount` ERA from the funder into the reward pool on its signature.
    function fundPool(FundingRequest calldata req, bytes calldata signature, Permit calldata permit) external;

    /// @notice Sends `account` all revenue owed to it; anyone may call it (the ERA only goes to `account`).
    function releaseRevenue(address account) external returns (uint256 amount);

    /// @notice Sets the reward rule for (`kind`, `metric`). Timelock only; applies to thresholds crossed later.
    function setRewardRule(uint8 kind, uint8 metric, uint32 threshold, uint256 amount) external;

    /// @notice Sets the share of each licence fee paid into the reward pool. Timelock only.
    function setPoolShare(uint16 shareBps) external;

    /// @notice Admits (or removes) accounts whose adoptions and invocations count toward rewards. Timelock only.
    function setAdmitted(address[] calldata accounts, bool admitted) external;

    function termsOf(uint256 derivativeId) external view returns (Terms memory);
    function licence(uint256 licenceId) external view returns (Licence memory);
    /// @notice The account's latest licence id for the derivative (0 = none).
    function licenceOf(uint256 derivativeId, address account) external view returns (uint256);
    /// @notice Whether `account` holds a licence for `derivativeId` it could use now.
    function hasValidLicence(uint256 derivativeId, address account) external view returns (bool);
    function hasAdopted(uint256 derivativeId, address account) external view returns (bool);
    function hasInvoked(uint256 derivativeId, address account) external view returns (bool);
    /// @notice Distinct counted accounts of `derivativeId` on `metric`.
    function countedAccounts(uint256 derivativeId, uint8 metric) external view returns (uint32);
    function reward(uint256 derivativeId, uint8 metric) external view returns (Reward memory);
    /// @notice owed − paid on that reward.
    function claimable(uint256 derivativeId, uint8 metric) external view returns (uint256);
    function rewardRule(uint8 kind, uint8 metric) external view returns (RewardRule memory);
    function poolShareBps() external view returns (uint16);
    /// @notice ERA the reward pool holds now.
    function poolBalance() external view returns (uint256);
    /// @notice Σ funded into the pool (licence shares and transfers) and Σ paid out of it, since deployment.
    function totalFunded() external view returns (uint256);
    function totalClaimed() external view returns (uint256);
    /// @notice ERA revenue owed to `account`, waiting for `releaseRevenue`.
    function revenueOf(address account) external view returns (uint256);
    function isAdmitted(address account) external view returns (bool);
    /// @notice Who the derivative's revenue and rewards go to now (its provider, or the vault once seized).
    function payeeOf(uint256 derivativeId) external view returns (address);
    /// @notice The account the derivative was minted to (also while the vault holds it).
    function providerOf(uint256 derivativeId) external view returns (address);
    function era() external view returns (address);
    function derivativeRegistry() external view returns (address);
    function creditVault() external view returns (address);
    function timelock() external view returns (address);
}
