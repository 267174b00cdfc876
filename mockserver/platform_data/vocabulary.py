"""Small built-in word lists the synthetic generator draws from (no external data, no network)."""

from __future__ import annotations

FIRST_NAMES = (
    "Ada", "Alan", "Alice", "Amara", "Ana", "Arjun", "Ben", "Carla", "Chen", "Chloe", "Daniel", "Diego",
    "Elena", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jonas", "Julia", "Kenji",
    "Lara", "Leo", "Lina", "Lucas", "Maya", "Mateo", "Mia", "Nadia", "Noah", "Olivia", "Omar", "Priya",
    "Rafael", "Sara", "Sofia", "Tariq", "Theo", "Yara", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Almeida", "Bauer", "Becker", "Brown", "Chen", "Costa", "Dubois", "Fischer", "Garcia",
    "Hansen", "Ito", "Jansen", "Kim", "Kowalski", "Laurent", "Lee", "Lopez", "Martin", "Meyer", "Moreau",
    "Nguyen", "Novak", "Okafor", "Patel", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
    "Tanaka", "Taylor", "Wagner", "Walker", "Wang", "Weber", "Wilson",
)
#: (city, ISO 3166-1 alpha-2 country code), so a profile's city and country agree.
CITIES = (
    ("New York", "US"), ("San Francisco", "US"), ("Chicago", "US"), ("Austin", "US"), ("Seattle", "US"),
    ("Toronto", "CA"), ("Montreal", "CA"), ("London", "GB"), ("Manchester", "GB"), ("Paris", "FR"),
    ("Lyon", "FR"), ("Berlin", "DE"), ("Munich", "DE"), ("Hamburg", "DE"), ("Madrid", "ES"),
    ("Barcelona", "ES"), ("Milan", "IT"), ("Rome", "IT"), ("Amsterdam", "NL"), ("Lisbon", "PT"),
    ("Stockholm", "SE"), ("Warsaw", "PL"), ("Tokyo", "JP"), ("Osaka", "JP"), ("Seoul", "KR"),
    ("Singapore", "SG"), ("Sydney", "AU"), ("Melbourne", "AU"), ("Bengaluru", "IN"), ("Mumbai", "IN"),
    ("São Paulo", "BR"), ("Mexico City", "MX"), ("Lagos", "NG"), ("Cape Town", "ZA"), ("Dubai", "AE"),
)
#: Reserved example domains (RFC 2606): generated addresses can never reach anyone.
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")

#: (name, description, PQL) of the generated audiences, in order; more audiences reuse them numbered.
AUDIENCES = (
    ("Loyalty members — gold", "Profiles in the gold loyalty tier", 'loyalty.tier = "gold"'),
    ("Loyalty members — silver", "Profiles in the silver loyalty tier", 'loyalty.tier = "silver"'),
    ("Newsletter subscribers", "Profiles with a personal email address", "personalEmail.address.isNotNull()"),
    ("Cart abandoners — last 7 days", "Added to cart without buying in the last 7 days",
     'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds") WHEN(<= 7 days before now)])'),
    ("High-value customers", "More than 5,000 loyalty points", "loyalty.points > 5000"),
    ("Residents of France", "Home address in France", 'homeAddress.countryCode = "FR"'),
    ("Lapsed buyers — 90 days", "No purchase in the last 90 days",
     'not(chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") WHEN(<= 90 days before now)]))'),
    ("Mobile app users", "Profiles with a mobile phone number", "mobilePhone.number.isNotNull()"),
)

COMPANY_WORDS = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
                 "Tyrell", "Cyberdyne", "Wonka", "Aperture", "Gringotts", "Monarch", "Oceanic")
COMPANY_SUFFIXES = ("Inc.", "GmbH", "Ltd", "S.A.", "Group", "Labs", "Holdings")
INDUSTRIES = ("Retail", "Financial services", "Healthcare", "Manufacturing", "Travel", "Media", "Telecom",
              "Education", "Software")
#: (device type, manufacturer, model, operating system)
DEVICE_MODELS = (
    ("mobile", "Apple", "iPhone 15", "iOS"), ("mobile", "Samsung", "Galaxy S24", "Android"),
    ("mobile", "Google", "Pixel 8", "Android"), ("desktop", "Apple", "MacBook Air", "macOS"),
    ("desktop", "Dell", "XPS 13", "Windows"), ("tablet", "Apple", "iPad Air", "iPadOS"),
    ("smarttv", "LG", "OLED C3", "webOS"),
)
