// Which IP addresses an image URL may reach when private URLs are not allowed: public unicast only.
// Loopback, RFC 1918, CGNAT, link-local (cloud metadata 169.254.169.254), unspecified, multicast,
// reserved and documentation ranges are refused, and IPv6 forms that embed an IPv4 address
// (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by it.
using System.Net;
using System.Net.Sockets;

namespace QwenVL.Server.Images;

/// <summary>Classifies addresses for SSRF protection.</summary>
public static class AddressPolicy
{
    // (network, prefix length) pairs.
    private static readonly (uint Net, int Bits)[] BlockedV4 =
    [
        (V4(0, 0, 0, 0), 8),        // "this network", 0.0.0.0
        (V4(10, 0, 0, 0), 8),       // private
        (V4(100, 64, 0, 0), 10),    // carrier-grade NAT
        (V4(127, 0, 0, 0), 8),      // loopback
        (V4(169, 254, 0, 0), 16),   // link-local, cloud metadata
        (V4(172, 16, 0, 0), 12),    // private
        (V4(192, 0, 0, 0), 24),     // IETF protocol assignments
        (V4(192, 0, 2, 0), 24),     // documentation
        (V4(192, 88, 99, 0), 24),   // 6to4 relay anycast
        (V4(192, 168, 0, 0), 16),   // private
        (V4(198, 18, 0, 0), 15),    // benchmarking
        (V4(198, 51, 100, 0), 24),  // documentation
        (V4(203, 0, 113, 0), 24),   // documentation
        (V4(224, 0, 0, 0), 4),      // multicast
        (V4(240, 0, 0, 0), 4),      // reserved, broadcast
    ];

    /// <summary>True when <paramref name="address"/> is a public unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicV4(address);
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublicV4(address.MapToIPv4());
        }
        byte[] b = address.GetAddressBytes();
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            // :: and ::1, or the deprecated IPv4-compatible form ::a.b.c.d.
            return !IPAddress.IPv6None.Equals(address) && !IPAddress.IPv6Loopback.Equals(address)
                && IsPublicV4(new IPAddress(b.AsSpan(12, 4)));
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(12, 4))); // NAT64 well-known prefix
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(2, 4))); // 6to4
        }
        return !(b[0] >= 0xfc && b[0] <= 0xfd)               // fc00::/7 unique local
            && !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80)      // fe80::/10 link-local
            && !(b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)      // fec0::/10 site-local (deprecated)
            && b[0] != 0xff                                  // multicast
            && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // 2001:db8::/32 documentation
            && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) // 2001::/32 Teredo (embeds an obfuscated IPv4)
            && !(b[0] == 0x01 && b.AsSpan(1, 7).IndexOfAnyExcept((byte)0) < 0); // 100::/64 discard
    }

    private static bool IsPublicV4(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        uint value = V4(b[0], b[1], b[2], b[3]);
        foreach ((uint net, int bits) in BlockedV4)
        {
            uint mask = uint.MaxValue << (32 - bits);
            if ((value & mask) == net)
            {
                return false;
            }
        }
        return true;
    }

    private static uint V4(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;
}
