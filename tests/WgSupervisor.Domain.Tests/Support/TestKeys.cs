using System.Security.Cryptography;

namespace WgSupervisor.Domain.Tests.Support;

/// <summary>Valid WireGuard-shaped keys: 32 random bytes in base64.</summary>
internal static class TestKeys
{
    public static string Random() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string From(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }
}
