"""What the demo says: cities and the activities people can join there. Original text, written for Kindred."""

from __future__ import annotations

# The rest is data, kept compact as written: `ruff format` leaves it alone.
# fmt: off
# name, region, country, IANA zone, centre, postcode near the centre, neighbourhoods (name, dlat, dlon)
CITIES = [
    dict(slug="portland", name="Portland", region="OR", country="US", tz="America/Los_Angeles",
         lat=45.5152, lon=-122.6784, postcode="97205",
         hoods=[("Pearl District", 0.011, -0.003), ("Hawthorne", -0.003, 0.055), ("St. Johns", 0.075, -0.08),
                ("Sellwood", -0.05, 0.03), ("Alberta Arts", 0.045, 0.03), ("Laurelhurst", 0.01, 0.06)]),
    dict(slug="london", name="London", region="England", country="GB", tz="Europe/London",
         lat=51.5074, lon=-0.1278, postcode="WC2N",
         hoods=[("Camden", 0.032, -0.015), ("Peckham", -0.034, -0.06 + 0.12), ("Hackney", 0.038, 0.075),
                ("Brixton", -0.045, -0.01), ("Islington", 0.03, -0.02 + 0.02), ("Walthamstow", 0.075, 0.11)]),
    dict(slug="berlin", name="Berlin", region="Berlin", country="DE", tz="Europe/Berlin",
         lat=52.52, lon=13.405, postcode="10117",
         hoods=[("Kreuzberg", -0.022, 0.0), ("Neukölln", -0.04, 0.03), ("Prenzlauer Berg", 0.02, 0.015),
                ("Wedding", 0.03, -0.05), ("Friedrichshain", -0.005, 0.045), ("Moabit", 0.006, -0.07)]),
    dict(slug="toronto", name="Toronto", region="ON", country="CA", tz="America/Toronto",
         lat=43.6532, lon=-79.3832, postcode="M5V",
         hoods=[("Kensington Market", 0.0, -0.017), ("Leslieville", 0.01, 0.045), ("The Annex", 0.015, -0.02),
                ("Parkdale", -0.015, -0.055), ("Danforth", 0.025, 0.03), ("Scarborough", 0.12, 0.18)]),
    dict(slug="sao-paulo", name="São Paulo", region="SP", country="BR", tz="America/Sao_Paulo",
         lat=-23.5505, lon=-46.6333, postcode="01310",
         hoods=[("Vila Madalena", 0.003, -0.055), ("Pinheiros", -0.01, -0.05), ("Bela Vista", -0.012, 0.0),
                ("Mooca", -0.003, 0.03), ("Liberdade", -0.008, 0.003), ("Santana", 0.05, 0.0)]),
    dict(slug="mumbai", name="Mumbai", region="Maharashtra", country="IN", tz="Asia/Kolkata",
         lat=19.076, lon=72.8777, postcode="400001",
         hoods=[("Bandra", -0.02, -0.04), ("Colaba", -0.16, -0.06), ("Andheri", 0.04, -0.03),
                ("Dadar", -0.055, -0.035), ("Powai", 0.04, 0.03), ("Chembur", -0.015, 0.02)]),
    dict(slug="sydney", name="Sydney", region="NSW", country="AU", tz="Australia/Sydney",
         lat=-33.8688, lon=151.2093, postcode="2000",
         hoods=[("Newtown", -0.03, -0.03), ("Surry Hills", -0.016, 0.003), ("Bondi", -0.022, 0.065),
                ("Parramatta", 0.054, -0.21 + 0.2), ("Glebe", -0.01, -0.025), ("Manly", 0.07, 0.08)]),
    dict(slug="tokyo", name="Tokyo", region="Tokyo", country="JP", tz="Asia/Tokyo",
         lat=35.6762, lon=139.6503, postcode="160-0022",
         hoods=[("Shimokitazawa", -0.015, 0.0), ("Koenji", 0.03, -0.0), ("Yanaka", 0.05, 0.12),
                ("Kichijoji", 0.027, -0.07), ("Nakameguro", -0.032, 0.05), ("Asakusa", 0.035, 0.145)]),
    dict(slug="nairobi", name="Nairobi", region="Nairobi", country="KE", tz="Africa/Nairobi",
         lat=-1.2921, lon=36.8219, postcode="00100",
         hoods=[("Westlands", 0.025, -0.015), ("Kilimani", -0.002, -0.03), ("Karen", -0.03, -0.1),
                ("Eastleigh", 0.01, 0.03), ("Lavington", 0.01, -0.05), ("South B", -0.02, 0.02)]),
]

# Activities: title, kind, categories, weekly/monthly rule, local hour, minutes, description.
# `rule` None = one-off. Descriptions are our own words.
ACTIVITIES = [
    ("Saturday Morning Trail Walkers", "club", ["Outdoors", "Hiking"], "FREQ=WEEKLY;BYDAY=SA", 8, 120,
     "A relaxed walk of about 8 km on park trails, then coffee together. All welcome, no experience needed: "
     "we wait at every junction and nobody gets left behind."),
    ("Beginners' Chess Night", "club", ["Games"], "FREQ=WEEKLY;BYDAY=TU", 19, 150,
     "Boards, clocks and friendly opponents. Drop-in: new players get a short lesson and a game with a patient "
     "regular. Small group of around ten."),
    ("Community Garden Volunteer Morning", "volunteer", ["Environment", "Gardening"], "FREQ=WEEKLY;BYDAY=SA", 10, 180,
     "Help grow vegetables that go to the neighbourhood pantry. Gloves and tools provided, orientation provided "
     "for first-timers. Families welcome."),
    ("Slow Readers Book Club", "club", ["Book Clubs"], "FREQ=MONTHLY;BYDAY=1TH", 19, 90,
     "One book a month, read at whatever pace life allows. We talk about the book for an hour and about "
     "everything else after. Newcomers welcome even if you haven't finished."),
    ("Language Exchange Evening", "event", ["Languages"], "FREQ=WEEKLY;BYDAY=WE", 18, 120,
     "Tables by language; swap every twenty minutes so everyone practises and everyone helps. All levels, "
     "all welcome."),
    ("Knit and Natter", "club", ["Crafts"], "FREQ=WEEKLY;BYDAY=MO", 14, 120,
     "Bring whatever you're making, or learn to cast on with spare needles and yarn. Tea provided. A small, "
     "chatty group; seniors and beginners especially welcome."),
    ("Social 5k Run", "club", ["Running", "Sports"], "FREQ=WEEKLY;BYDAY=SA", 9, 60,
     "A free, timed 5 km around the park, followed by breakfast. Walkers, joggers and pushchairs welcome; "
     "no one finishes last because a volunteer tail walker always does."),
    ("Food Bank Sorting Shift", "volunteer", ["Hunger"], "FREQ=WEEKLY;BYDAY=WE", 17, 150,
     "Sort and pack donated food for families nearby. No experience needed; a shift lead shows you everything. "
     "Groups welcome with notice."),
    ("Reading Buddies for Kids", "volunteer", ["Education", "Children & Youth"], "FREQ=WEEKLY;BYDAY=TH", 15, 60,
     "Read one-to-one with a child aged 6–10 at the library. Training session provided before your first visit; "
     "background check required."),
    ("Newcomers' Coffee Morning", "event", ["Community"], "FREQ=WEEKLY;BYDAY=FR", 10, 90,
     "New to the area, or just new to going out? Come for a coffee with people who remember what that was like. "
     "Hosts at the door so you never walk into a room of strangers."),
    ("Board Game Café Night", "event", ["Games", "Social"], "FREQ=WEEKLY;BYDAY=FR", 19, 180,
     "Hundreds of games and a host who matches solo arrivals with a table. Drop-in, small fee for the café."),
    ("Choir for People Who Think They Can't Sing", "club", ["Music"], "FREQ=WEEKLY;BYDAY=TU", 19, 90,
     "No auditions, no reading music, no solos unless you ask. We learn songs by ear and sing them together. "
     "Beginners welcome."),
    ("Repair Café", "event", ["Environment", "Community"], "FREQ=MONTHLY;BYDAY=-1SA", 11, 180,
     "Bring a broken lamp, toaster, bike or jumper; volunteer fixers repair it with you. Free, donations welcome."),
    ("Park Clean-up Crew", "volunteer", ["Environment"], "FREQ=MONTHLY;BYDAY=2SU", 10, 120,
     "Two hours of litter picking and path clearing with a friendly crew. Grabbers, bags and gloves provided; "
     "families and groups welcome."),
    ("Intro to Bouldering Social", "club", ["Sports", "Fitness"], "FREQ=WEEKLY;BYDAY=MO", 18, 120,
     "An instructor shows the basics, then we climb in small groups. Shoes to borrow. Beginners welcome."),
    ("Python Users Meetup", "event", ["Tech"], "FREQ=MONTHLY;BYDAY=2WE", 18, 150,
     "Two short talks, then help tables for beginners and people stuck on a project. All levels; code of "
     "conduct applies."),
    ("Neighbourhood Photo Walk", "club", ["Photography"], "FREQ=MONTHLY;BYDAY=1SU", 15, 120,
     "A slow walk with cameras or phones, noticing the streets we usually hurry through. Drop-in."),
    ("Community Workshop Shed", "club", ["Crafts", "Community"], "FREQ=WEEKLY;BYDAY=WE", 10, 180,
     "Woodworking and repairs side by side. Tools and tea shared; conversation optional but frequent. "
     "No experience needed."),
    ("Grief Support Circle", "club", ["Support Groups", "Health"], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", 18, 90,
     "A quiet, facilitated peer group for anyone grieving. Come and listen; you never have to speak."),
    ("Parents and Toddlers Playgroup", "club", ["Parenting", "Children & Youth"], "FREQ=WEEKLY;BYDAY=TH", 10, 90,
     "Toys, songs and a chance for grown-ups to talk. Drop-in, free; families welcome."),
    ("Afternoon Tea Dance", "event", ["Dance", "Seniors"], "FREQ=WEEKLY;BYDAY=WE", 14, 120,
     "Ballroom and easy line dances to live piano, with tea and cake. Partners not needed; step-free venue."),
    ("Conversation Café for Newcomers and Locals", "event", ["Immigrants & Refugees", "Languages"],
     "FREQ=WEEKLY;BYDAY=SA", 14, 120,
     "Practise the local language over tea with neighbours who have lived here longer. Childcare corner. "
     "Free; everyone welcome."),
    ("Shelter Dog Walkers", "volunteer", ["Animals"], "FREQ=WEEKLY;BYDAY=SU", 9, 120,
     "Walk dogs waiting for a home. Short orientation provided; volunteers from age 16."),
    ("Cook and Share Community Kitchen", "event", ["Food", "Community"], "FREQ=WEEKLY;BYDAY=TH", 18, 150,
     "Cook a meal together from donated ingredients, then eat it at one long table. Pay what you can."),
    ("Writers' Open Mic", "event", ["Writing", "Arts"], "FREQ=MONTHLY;BYDAY=3TU", 19, 120,
     "Five minutes each for poems, stories or works in progress, and a warm audience. Listeners welcome too."),
    ("Sunday Social Ride", "club", ["Cycling", "Outdoors"], "FREQ=WEEKLY;BYDAY=SU", 9, 150,
     "A no-drop 30 km ride at chatting pace with a café stop halfway. Helmets required; beginners welcome."),
    ("Yoga in the Park", "event", ["Health", "Fitness"], "FREQ=WEEKLY;BYDAY=SU", 8, 60,
     "Gentle yoga on the grass, by donation. Bring a mat or a towel. All bodies and abilities welcome."),
    ("Cat Socialisers", "volunteer", ["Animals"], "FREQ=WEEKLY;BYDAY=TU", 17, 90,
     "Spend time with shy cats so they're ready for adoption. Orientation provided; a calm, small team."),
    ("Homework Help at the Library", "volunteer", ["Education", "Children & Youth"], "FREQ=WEEKLY;BYDAY=MO", 15, 120,
     "Help teens with maths, writing or just staying on track. Training provided."),
    ("Hackerspace Open Night", "club", ["Tech", "Crafts"], "FREQ=WEEKLY;BYDAY=TH", 19, 180,
     "Laser cutter, soldering irons and people happy to show you how. Open to visitors, no membership needed "
     "to drop in."),
    ("Community Film Club", "club", ["Film", "Arts"], "FREQ=MONTHLY;BYDAY=2FR", 19, 150,
     "One film, one discussion, one bowl of popcorn each. Members pick the films in turn."),
    ("Beginners' Salsa Social", "event", ["Dance"], "FREQ=WEEKLY;BYDAY=WE", 20, 120,
     "A class for beginners, then an easy social dance. No partner needed; we rotate."),
    ("Meditation Group", "club", ["Faith & Spirituality", "Health"], "FREQ=WEEKLY;BYDAY=MO", 19, 60,
     "Thirty minutes of silent sitting and a short talk. Open to people of any belief or none. Drop-in."),
    ("Soup Run Volunteers", "volunteer", ["Homelessness", "Hunger"], "FREQ=WEEKLY;BYDAY=SU", 18, 150,
     "Make and hand out soup and sandwiches with people sleeping rough. Shadow an experienced volunteer on "
     "your first evening."),
    ("Queer Hiking Club", "club", ["LGBTQ+", "Hiking"], "FREQ=MONTHLY;BYDAY=3SA", 9, 300,
     "A monthly day hike for LGBTQ+ people and friends, with car-sharing from the centre. All paces welcome."),
    ("Veterans' Breakfast Club", "club", ["Veterans"], "FREQ=WEEKLY;BYDAY=SA", 9, 90,
     "Breakfast and conversation for veterans and their families. First coffee is on us."),
    ("Climate Action Neighbours", "club", ["Environment", "Advocacy"], "FREQ=MONTHLY;BYDAY=1WE", 19, 120,
     "Practical local projects, from street trees to insulation drives. New members get a buddy."),
    ("Stroke Survivors' Social", "club", ["Disability", "Health", "Support Groups"], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
     14, 120, "A social afternoon for stroke survivors and carers. Step-free, hearing loop, volunteers to help."),
]

# Online communities and online events (no city).
ONLINE = [
    ("Remote Book Club", "online", ["Book Clubs"], "FREQ=MONTHLY;BYDAY=-1SU", 18, 90,
     "A video-call book club for people who can't easily get out, or just prefer slippers. Cameras optional."),
    ("Language Practice Hangout", "online", ["Languages"], "FREQ=WEEKLY;BYDAY=TU", 18, 60,
     "Breakout rooms by language and level; hosts keep conversations flowing. Free."),
    ("Indie Game Dev Circle", "online", ["Tech", "Games"], None, 0, 0,
     "A friendly chat community for people making small games: weekly show-and-tell threads, beginners welcome."),
    ("Night-shift Workers' Chat", "online", ["Community", "Support Groups"], None, 0, 0,
     "A moderated online community for people whose days are other people's nights."),
    ("Crochet Along", "online", ["Crafts"], "FREQ=WEEKLY;BYDAY=SU", 15, 90,
     "Crochet together on video, one pattern a month, with help for beginners."),
    ("Carers' Online Coffee Break", "online", ["Support Groups", "Health"], "FREQ=WEEKLY;BYDAY=WE", 13, 45,
     "Forty-five minutes for unpaid carers to talk with people who understand. Facilitated."),
]

# The London Volunteer Hub's roles (The Events Calendar format), each dated twice, six days apart in turn:
# seven roles make fourteen dates that fall on every weekday twice, so weekend volunteering is there
# whatever day the demo is written.
VOLUNTEER_ROLES = [
    ("Befriending volunteer", "Visit an older neighbour for an hour a week; training and support provided.",
     ["Seniors"]),
    ("Food bank driver", "Collect donations from supermarkets on Saturday mornings (own licence needed).", ["Hunger"]),
    ("Youth football coach assistant", "Help run Saturday training for under-10s; checks and training provided.",
     ["Sports", "Children & Youth"]),
    ("Museum welcome host", "Greet visitors and help them find their way; two shifts a month.", ["Arts"]),
    ("Refugee welcome buddy", "Help a newly arrived family find their way around the city.", ["Immigrants & Refugees"]),
    ("Conservation volunteer", "Hedge laying, path repair and bird surveys in city parks.", ["Environment"]),
    ("Library reading helper", "Read stories with children at the weekend story hour; training provided.",
     ["Education", "Children & Youth"]),
]
# fmt: on
