/// Phone numbers among number tokens. Accepted shapes:
/// - international: `+` then 8–15 digits (E.164), any grouping with spaces, dashes, dots or `(0)`;
///   `00` then a country code counts the same when the number is grouped;
/// - North American: `(NXX) NXX-XXXX`, `NXX-NXX-XXXX`, `NXX.NXX.XXXX`, `NXX NXX XXXX`, optionally
///   after `1`, where N is 2–9;
/// - national with a trunk `0` (most of Europe): `030 1234567`, `06 12 34 56 78`, `0171/1234567`,
///   `(030) 1234567`: 9–11 digits in at least two groups.
/// Unbroken digit runs without `+` are never phones: they are as likely order numbers or IDs, and
/// dates, times and version strings have too few digits or the wrong separators to qualify.
extension PIIScanner {
    func isPhone(_ k: Int, plus: Bool, paren: Bool) -> Bool {
        if plus { return isInternational(k, digitCount: digits.count) }
        if digits.count >= 3, digits[0] == 0, digits[1] == 0, k >= 2, !paren {
            return groups[0].length >= 3 && isInternational(k, digitCount: digits.count - 2)
        }
        return isNorthAmerican(k, paren: paren) || isNationalWithTrunkZero(k, paren: paren)
    }

    private func isInternational(_ k: Int, digitCount: Int) -> Bool {
        guard (8...15).contains(digitCount), digits[digits.count - digitCount] != 0 else { return false }
        for g in groups[1..<k] where g.separator == .slash { return false }
        return true
    }

    private func isNorthAmerican(_ k: Int, paren: Bool) -> Bool {
        let offset: Int
        if k == 3 {
            offset = 0
        } else if k == 4, !paren, groups[0].length == 1, digits[0] == 1 {
            offset = 1
        } else {
            return false
        }
        guard groups[offset].length == 3, groups[offset + 1].length == 3, groups[offset + 2].length == 4 else {
            return false
        }
        let area = digits[offset], exchange = digits[offset + 3]
        guard area >= 2, exchange >= 2 else { return false }
        let first = groups[offset + 1].separator, second = groups[offset + 2].separator
        if paren {
            return first == .closeParen && isPlain(second)
        }
        if offset == 1, !isPlain(groups[1].separator) { return false }
        return first == second && isPlain(first)
    }

    private func isPlain(_ separator: PIISeparator) -> Bool {
        separator == .dash || separator == .dot || separator == .space
    }

    private func isNationalWithTrunkZero(_ k: Int, paren: Bool) -> Bool {
        guard k >= 2, (9...11).contains(digits.count), digits[0] == 0, digits[1] != 0,
              (2...5).contains(groups[0].length)
        else { return false }
        for (index, g) in groups[1..<k].enumerated() {
            switch g.separator {
            case .space, .dash, .slash, .dot: continue
            case .closeParen where paren && index == 0: continue
            default: return false
            }
        }
        return true
    }
}
