using System.Threading.RateLimiting;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// Counts failed authentications per client address with the rate limiter ASP.NET Core's own rate limiting is built on
/// (System.Threading.RateLimiting, a fixed window per partition). Only failures take permits, so a client that knows its
/// token is never slowed down; an address that has used up its budget is refused before its token is even looked at,
/// so guessing gets no faster by sending more. (The ASP.NET Core middleware itself counts every request, not failures.)
/// </summary>
public sealed class AuthFailureLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly AuthFailureBudget _budget;
    private readonly ILogger<AuthFailureLimiter> _logger;

    public AuthFailureLimiter(AuthFailureBudget budget, ILogger<AuthFailureLimiter> logger)
    {
        _budget = budget;
        _logger = logger;
        _failures = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(partition,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = budget.Limit, Window = budget.Window, QueueLimit = 0, AutoReplenishment = true }));
    }

    public AuthFailureBudget Budget => _budget;

    /// <summary>Null while the client may still try; else how long until its window passes.</summary>
    public TimeSpan? Blocked(string partition)
    {
        // Asking for no permit reports the limiter's state without taking any.
        using var lease = _failures.AttemptAcquire(partition, permitCount: 0);
        return lease.IsAcquired ? null : RetryAfter(lease);
    }

    /// <summary>Counts one failure; logs it with the client address and the request, never with what was presented.</summary>
    public void RecordFailure(string partition, string clientAddress, string request)
    {
        using (_failures.AttemptAcquire(partition))
        {
        }
        _logger.LogWarning("Admin authentication failed from {ClientAddress}: {Request} presented a token that matches none", clientAddress, request);
        if (Blocked(partition) is { } wait)
            _logger.LogWarning("Admin authentication: {ClientAddress} had {Limit} failed attempts within {WindowSeconds} s; " +
                               "it gets 429 for up to {RetryAfterSeconds} s", clientAddress, _budget.Limit, _budget.Window.TotalSeconds, Seconds(wait));
    }

    /// <summary>Whole seconds for Retry-After, at least one.</summary>
    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _budget.Window;

    public void Dispose() => _failures.Dispose();
}
