import Routing
import XCTest

final class IPAddressDetectionTests: XCTestCase {
    func testIPv4() {
        for ip in ["192.168.1.1", "10.0.0.255", "8.8.8.8", "255.255.255.255", "0.0.0.0"] {
            assertFinds(.ipAddress, in: "host \(ip) is down", ip)
        }
        assertFinds(.ipAddress, in: "connect to 10.1.2.3:8080", "10.1.2.3")
        assertFinds(.ipAddress, in: "(172.16.0.1).", "172.16.0.1")
        assertFinds(.ipAddress, in: "route 10.20.0.0/16 via eth0", "10.20.0.0")
        assertFinds(.ipAddress, in: "fe80::1%eth0", "fe80::1")
    }

    func testIPv4LookAlikes() {
        for text in ["192.168.1.256", "300.1.1.1", "1.2.3", "v1.2.3.4", "1.2.3.4.5", "10.0.0.0.1", "1.2.3.4a",
                     "version 1.2.3-beta", "192.168.1", "a.1.2.3.4"] {
            assertNoMatch(.ipAddress, in: "see \(text) here")
        }
    }

    func testIPv6() {
        for ip in ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a",
                   "::ffff:192.168.1.1", "64:ff9b::192.0.2.33", "2001:db8::"] {
            assertFinds(.ipAddress, in: "addr \(ip) ok", ip)
        }
        assertFinds(.ipAddress, in: "[2001:db8::8]:443", "2001:db8::8")
        assertFinds(.ipAddress, in: "It was 2001:db8::2.", "2001:db8::2")
    }

    func testIPv6LookAlikes() {
        for text in ["12:30:45", "12:30", "00:1A:2B:3C:4D:5E", "std::vector", "A::B", "1::2::3", "2001:db8:::1",
                     "1:2:3:4:5:6:7:8:9", "12345::1", "::ffff:192.168.1.300", "::"] {
            assertNoMatch(.ipAddress, in: "x \(text) y")
        }
    }
}

extension IPAddressDetectionTests {
    func testIPv4InParentheses() {
        assertFinds(.ipAddress, in: "the gateway (172.16.0.1).", "172.16.0.1")
    }
}
