namespace WgSupervisor.Host.Notifications;

/// <summary>One webhook: where, which transitions, the HMAC secret, and how hard to try.</summary>
public sealed record WebhookSettings(Uri Url, IReadOnlySet<string> Events, byte[]? Secret, TimeSpan Timeout, int MaxAttempts)
{
    /// <summary>The transitions a webhook can be told about.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["stale", "recovered", "repair-failed", "quarantined", "paused", "resumed"];

    /// <summary>The URL without its path: webhook URLs often carry a secret in their path (chat services do).</summary>
    public string Display => $"{Url.Scheme}://{Url.Authority}/…";

    public override string ToString() => $"{Display} ({string.Join(", ", Events)}{(Secret is null ? "" : ", signed")})";
}
