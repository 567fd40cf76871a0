"""Per-category vocabularies of the demo shop.

Each category lists product types as ``"Type|base price|features|materials"`` lines (features and
materials are the ones that make sense for THAT type), colours, brands, usage phrases, a blurb,
complementary type pairs (bought together), a monthly seasonality profile and return/quantity
tendencies. Titles, descriptions and review texts are composed from these words, so sentence
embeddings of products carry real category and attribute signal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductType:
    """One kind of product inside a category (e.g. Hiking Boots)."""

    name: str
    base_price: float
    features: tuple[str, ...]
    materials: tuple[str, ...]
    consumable: bool = False


@dataclass(frozen=True)
class CategoryVocab:
    """The words and tendencies of one top-level category."""

    name: str
    types: tuple[ProductType, ...]
    colours: tuple[str, ...]
    brands: tuple[str, ...]
    uses: tuple[str, ...]
    blurb: str
    complements: tuple[tuple[str, str], ...]
    season: tuple[float, ...]  # 12 monthly multipliers, January first
    share: float  # baseline share of demand
    return_rate: float
    pos_extra: tuple[str, ...]
    neg_extra: tuple[str, ...]


def _types(spec: str) -> tuple[ProductType, ...]:
    out: list[ProductType] = []
    for line in spec.strip().splitlines():
        name, price, feats, mats = (p.strip() for p in line.split("|"))
        consumable = name.endswith("*")
        out.append(ProductType(name.rstrip("*"), float(price), tuple(feats.split(",")),
                               tuple(mats.split(",")), consumable))
    return tuple(out)


CATEGORIES: tuple[CategoryVocab, ...] = (
    CategoryVocab(
        "Outdoor",
        _types("""
Hiking Boots|110|waterproof,breathable,lightweight|full-grain leather,Gore-Tex lined suede,Vibram-soled nubuck
Trail Running Shoes|85|grippy,lightweight,quick-drying|breathable mesh,ripstop upper,recycled knit
Rain Jacket|95|waterproof,windproof,packable|three-layer Gore-Tex,recycled nylon,ripstop shell
Hiking Backpack|70|ventilated,adjustable,rain-covered|ripstop nylon,Cordura,recycled polyester
Two-Person Tent|180|storm-proof,lightweight,freestanding|silnylon,ripstop polyester,aluminium-poled
Sleeping Bag|90|insulated,compressible,three-season|duck down,synthetic fill,recycled polyester
Trekking Poles|45|collapsible,shock-absorbing,adjustable|carbon fibre,aluminium,cork-handled
Headlamp|30|rechargeable,waterproof,ultra-bright|aluminium,ABS plastic,silicone-strapped
Camping Stove|55|compact,wind-resistant,fast-boiling|stainless steel,titanium,aluminium
Fuel Canister*|7|high-altitude,butane-propane,resealable|steel,aluminium,steel
Merino Hiking Socks*|14|cushioned,blister-free,odour-resistant|merino wool,merino blend,wool-nylon
Water Filter|35|portable,squeeze-fit,BPA-free|hollow-fibre,carbon-core,hollow-fibre
"""),
        ("forest green", "slate grey", "burnt orange", "navy", "black", "olive"),
        ("Trailpeak", "Northcairn", "Fellwalker", "Summitra"),
        ("on muddy mountain trails", "for weekend camping trips", "on a week-long trek",
         "in heavy rain on the hills", "for wild camping in the Highlands"),
        "Built for hikers and campers who want reliable kit in changeable weather.",
        (("Hiking Boots", "Merino Hiking Socks"), ("Camping Stove", "Fuel Canister"),
         ("Two-Person Tent", "Sleeping Bag"), ("Trail Running Shoes", "Merino Hiking Socks")),
        (0.55, 0.6, 0.9, 1.25, 1.55, 1.65, 1.65, 1.45, 1.1, 0.75, 0.55, 0.75),
        0.10, 0.07,
        ("Kept me dry and comfortable {use}.", "Survived a proper storm {use} without complaint."),
        ("Let water in after an hour {use}.", "Felt heavy and awkward {use}."),
    ),
    CategoryVocab(
        "Garden",
        _types("""
Garden Hose|25|kink-free,expandable,UV-stable|reinforced PVC,latex-core,rubber
Hose Reel|40|wall-mounted,auto-rewind,rust-resistant|powder-coated steel,recycled plastic,galvanised steel
Pruning Shears|22|bypass-blade,ergonomic,rust-resistant|carbon steel,stainless steel,forged steel
Gardening Gloves*|12|thorn-proof,breathable,water-resistant|goatskin leather,nitrile-coated cotton,bamboo fibre
Raised Planter|60|frost-proof,self-draining,modular|cedar wood,galvanised steel,recycled plastic
Cordless Lawn Mower|220|quiet,mulching,self-propelled|steel deck,ABS plastic,aluminium
Lawn Grass Seed*|15|fast-germinating,drought-tolerant,hard-wearing|perennial ryegrass,fescue blend,dwarf ryegrass
Compost Bin|45|insulated,rodent-proof,large-capacity|recycled plastic,timber,recycled plastic
Watering Can|18|long-spout,balanced,rose-fitted|galvanised steel,recycled plastic,copper
Solar Garden Lights|30|weatherproof,dusk-to-dawn,warm-white|stainless steel,glass,black resin
Bird Feeder|20|squirrel-proof,easy-clean,hanging|powder-coated metal,bamboo,recycled plastic
Seed Tray Set*|10|reusable,stackable,bottom-watering|recycled plastic,biodegradable fibre,coir
"""),
        ("sage green", "terracotta", "charcoal", "natural", "black", "cream"),
        ("Greenhollow", "Bloomfield", "Rootwell", "Hedgerow & Co"),
        ("in the vegetable patch", "around the flower beds", "on the allotment",
         "for spring planting", "on a small patio garden"),
        "Made for gardeners who like a tidy plot and a long growing season.",
        (("Garden Hose", "Hose Reel"), ("Pruning Shears", "Gardening Gloves"),
         ("Raised Planter", "Seed Tray Set"), ("Cordless Lawn Mower", "Lawn Grass Seed")),
        (0.35, 0.45, 1.0, 1.65, 1.95, 1.75, 1.5, 1.2, 0.85, 0.55, 0.35, 0.4),
        0.09, 0.05,
        ("Made the weekend jobs {use} so much easier.", "Still looks like new after a season outdoors."),
        ("Rusted after a few weeks {use}.", "Cracked in the first frost."),
    ),
    CategoryVocab(
        "Kitchen",
        _types("""
Chef's Knife|45|precision-ground,balanced,full-tang|Japanese steel,Damascus steel,German stainless steel
Knife Sharpener|18|two-stage,non-slip,compact|ceramic,diamond-coated steel,whetstone
Cast Iron Skillet|40|pre-seasoned,oven-safe,induction-ready|cast iron,enamelled cast iron,cast iron
Saucepan Set|90|non-stick,induction-ready,dishwasher-safe|tri-ply stainless steel,hard-anodised aluminium,copper-core steel
Burr Coffee Grinder|55|adjustable,quiet,conical-burr|stainless steel,ceramic,aluminium
Coffee Beans*|12|single-origin,freshly roasted,fair-trade|Arabica beans,Arabica blend,Robusta blend
French Press|28|double-walled,heat-resistant,dishwasher-safe|borosilicate glass,stainless steel,copper-finished steel
Stand Mixer|260|powerful,tilt-head,multi-speed|die-cast metal,brushed steel,enamelled metal
Baking Tray|15|non-stick,warp-resistant,oven-safe|carbon steel,aluminised steel,silicone
Chopping Board|25|reversible,knife-friendly,juice-grooved|olive wood,end-grain walnut,bamboo
Spatula Set|12|heat-resistant,non-scratch,dishwasher-safe|silicone,beech wood,nylon
Teapot|30|drip-free,infuser-fitted,heat-retaining|ceramic,cast iron,borosilicate glass
"""),
        ("matte black", "brushed steel", "cream", "sage", "navy", "red"),
        ("Hearthstone", "Copperline", "Saltgrove", "Mise"),
        ("for everyday family cooking", "when baking at the weekend", "for my morning coffee",
         "for Sunday roasts", "for batch cooking"),
        "Tools for home cooks who care about good food and kit that lasts.",
        (("Chef's Knife", "Knife Sharpener"), ("Burr Coffee Grinder", "Coffee Beans"),
         ("French Press", "Coffee Beans"), ("Stand Mixer", "Baking Tray"), ("Chef's Knife", "Chopping Board")),
        (0.9, 0.85, 0.9, 0.9, 0.9, 0.85, 0.85, 0.9, 1.0, 1.1, 1.45, 1.65),
        0.12, 0.06,
        ("Makes cooking {use} a real pleasure.", "Cleans up in seconds and looks great on the counter."),
        ("Food sticks badly even {use}.", "The finish started peeling after a few washes."),
    ),
    CategoryVocab(
        "Home",
        _types("""
Duvet|70|hypoallergenic,all-season,machine-washable|Egyptian cotton,duck feather,microfibre
Pillow Pair*|35|hypoallergenic,supportive,machine-washable|memory foam,goose down,hollowfibre
Bath Towel Set|40|quick-drying,ultra-soft,absorbent|Egyptian cotton,Turkish cotton,bamboo cotton
Table Lamp|55|dimmable,touch-controlled,USB-charging|ceramic,brushed brass,rattan
LED Light Bulbs*|12|energy-saving,warm-white,dimmable|frosted glass,filament glass,opal glass
Scented Candle*|16|long-burning,hand-poured,clean-burning|soy wax,beeswax,coconut wax
Throw Blanket|38|cosy,chunky-knit,machine-washable|merino wool,recycled cotton,faux fur
Wall Mirror|75|bevelled,shatter-resistant,round|oak-framed glass,brass-framed glass,rattan-framed glass
Storage Baskets|25|handwoven,collapsible,lidded|seagrass,water hyacinth,jute
Blackout Curtains|60|thermal,noise-reducing,blackout|velvet,linen blend,polyester
Cushion Cover*|14|zip-fastened,washable,textured|velvet,linen,boucle
Area Rug|110|anti-slip,handwoven,stain-resistant|wool,jute,recycled polyester
"""),
        ("dusky pink", "ochre", "charcoal", "ivory", "teal", "natural"),
        ("Nestwell", "Linden Home", "Oakhaven", "Lumen & Loom"),
        ("in the bedroom", "in our living room", "in the guest room", "on cold winter evenings",
         "in a small flat"),
        "Soft furnishings and lighting that make a house feel like home.",
        (("Table Lamp", "LED Light Bulbs"), ("Duvet", "Pillow Pair"), ("Throw Blanket", "Cushion Cover")),
        (1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2, 1.35, 1.35),
        0.11, 0.08,
        ("Looks even better than the photos {use}.", "Really cosy and has transformed the room."),
        ("The colour looked nothing like the photos {use}.", "Went bobbly after one wash."),
    ),
    CategoryVocab(
        "Toys",
        _types("""
Building Blocks Set|35|creative,compatible,educational|BPA-free plastic,FSC wood,recycled plastic
Remote Control Car|45|rechargeable,all-terrain,high-speed|shock-proof plastic,die-cast metal,rubber-tyred plastic
Rechargeable Battery Pack*|15|long-life,fast-charging,safety-certified|NiMH,lithium-ion,NiMH
Plush Teddy Bear|18|huggable,machine-washable,safety-tested|soft plush,organic cotton,recycled fibre
Jigsaw Puzzle|16|1000-piece,snug-fit,illustrated|recycled cardboard,thick card,linen-finish card
Family Board Game|28|award-winning,strategic,quick-to-learn|card and wood,printed cardboard,wooden pieces
Dolls House|85|furnished,three-storey,hand-painted|FSC wood,MDF,painted wood
Wooden Train Set|55|expandable,magnetic,screen-free|beech wood,FSC wood,painted wood
Science Kit|30|educational,hands-on,STEM|safe chemicals,plastic lab kit,crystal-growing kit
Art and Craft Set|22|non-toxic,washable,complete|wax crayons,water paints,air-dry clay
Card Game*|10|fast-paced,pocket-sized,party|linen card,plastic-coated card,recycled card
Puzzle Storage Mat|14|roll-up,felt-lined,portable|felt,neoprene,felt
"""),
        ("rainbow", "primary red", "pastel", "bright blue", "natural wood", "yellow"),
        ("Tinkertown", "Brightbox", "Little Otter", "Playwise"),
        ("for my six-year-old", "on a rainy afternoon", "as a birthday present",
         "for family game night", "as a Christmas present"),
        "Toys and games that keep children busy and families playing together.",
        (("Remote Control Car", "Rechargeable Battery Pack"), ("Jigsaw Puzzle", "Puzzle Storage Mat"),
         ("Family Board Game", "Card Game"), ("Wooden Train Set", "Rechargeable Battery Pack")),
        (0.55, 0.55, 0.65, 0.7, 0.7, 0.7, 0.7, 0.75, 0.8, 1.0, 2.4, 3.2),
        0.09, 0.05,
        ("The kids have played with it every day since it arrived.", "Kept them entertained {use}."),
        ("A piece broke within the first hour {use}.", "Far too fiddly for the age on the box."),
    ),
    CategoryVocab(
        "Electronics",
        _types("""
Wireless Earbuds|80|noise-cancelling,sweat-resistant,long-battery|matte plastic,aluminium,silicone-tipped
Bluetooth Speaker|60|waterproof,room-filling,long-battery|fabric-wrapped,rubberised,aluminium
Phone Case|15|shockproof,slim,MagSafe-compatible|silicone,recycled polycarbonate,leather
Screen Protector*|9|scratch-proof,bubble-free,edge-to-edge|tempered glass,hydrogel film,tempered glass
Smartwatch|180|heart-rate-tracking,GPS,water-resistant|aluminium,stainless steel,titanium
USB-C Charging Cable*|12|fast-charging,tangle-free,reinforced|braided nylon,silicone,TPE
Power Bank|30|fast-charging,slimline,high-capacity|aluminium,recycled plastic,rubberised plastic
Action Camera|220|4K,waterproof,stabilised|polycarbonate,aluminium,rubberised plastic
Memory Card*|20|high-speed,4K-ready,shock-proof|UHS-I,UHS-II,V30-rated
Laptop Stand|35|adjustable,foldable,ventilated|aluminium,bamboo,steel
Webcam|60|1080p,auto-focus,noise-reducing|matte plastic,aluminium,matte plastic
USB-C Hub|40|multi-port,4K HDMI,pass-through charging|aluminium,braided nylon,aluminium
"""),
        ("matte black", "space grey", "white", "midnight blue", "silver", "red"),
        ("Voltra", "Pixelane", "Auralink", "Nimbus Tech"),
        ("on my daily commute", "when working from home", "at the gym", "on long flights",
         "on a cycling holiday"),
        "Gadgets and accessories that just work, with sensible battery life.",
        (("Action Camera", "Memory Card"), ("Phone Case", "Screen Protector"),
         ("Smartwatch", "USB-C Charging Cable"), ("Laptop Stand", "USB-C Hub")),
        (0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.0, 1.1, 1.75, 1.85),
        0.12, 0.09,
        ("Battery easily lasts {use}.", "Paired in seconds and the sound is crisp and clear."),
        ("Kept disconnecting {use}.", "Stopped charging after a month."),
    ),
    CategoryVocab(
        "Beauty",
        _types("""
Face Serum*|32|fast-absorbing,fragrance-free,brightening|vitamin C,hyaluronic acid,niacinamide
Moisturiser*|25|non-greasy,fragrance-free,hydrating|shea butter,hyaluronic acid,ceramide
Gentle Cleanser*|16|soap-free,pH-balanced,fragrance-free|aloe vera,oat extract,micellar water
Shampoo*|12|sulphate-free,volumising,vegan|argan oil,tea tree,coconut oil
Conditioner*|12|sulphate-free,detangling,vegan|argan oil,shea butter,coconut oil
Ionic Hair Dryer|70|fast-drying,frizz-reducing,lightweight|ceramic-coated,tourmaline,ionic
Lipstick*|18|long-lasting,moisturising,cruelty-free|shea butter,vitamin E,jojoba oil
Nail Polish*|9|chip-resistant,quick-drying,vegan|gel-effect lacquer,breathable formula,glitter lacquer
Sunscreen SPF 50*|15|water-resistant,non-greasy,reef-friendly|mineral zinc,lightweight fluid,aloe vera
Eau de Parfum|60|long-lasting,floral,vegan|bergamot and jasmine,sandalwood and amber,citrus and vetiver
Makeup Brush Set|28|cruelty-free,ultra-soft,travel-sized|synthetic fibre,bamboo-handled,vegan bristle
Body Lotion*|14|fast-absorbing,nourishing,fragrance-free|shea butter,cocoa butter,aloe vera
"""),
        ("rose", "nude", "clear", "berry", "coral", "classic red"),
        ("Lumiere", "Dewdrop", "Botanica Skin", "Velvet & Vine"),
        ("as part of my morning routine", "on sensitive skin", "before a night out",
         "on holiday in the sun", "after the gym"),
        "Skincare, haircare and make-up that is kind to skin and cruelty-free.",
        (("Shampoo", "Conditioner"), ("Gentle Cleanser", "Moisturiser"), ("Face Serum", "Moisturiser")),
        (0.95, 1.05, 1.0, 1.0, 1.05, 1.1, 1.1, 1.0, 0.9, 0.9, 1.15, 1.35),
        0.12, 0.05,
        ("My skin feels softer after a week {use}.", "Gentle enough {use} with no irritation at all."),
        ("Brought me out in a rash {use}.", "The smell is overpowering and it feels greasy."),
    ),
    CategoryVocab(
        "Fashion",
        _types("""
Slim-Fit Jeans|55|stretch,slim-fit,fade-resistant|organic denim,stretch denim,recycled denim
Leather Belt|25|reversible,adjustable,classic|full-grain leather,vegan leather,suede
Cotton T-Shirt*|18|relaxed-fit,breathable,pre-shrunk|organic cotton,Pima cotton,cotton-modal
Wool Jumper|60|chunky-knit,warm,crew-neck|merino wool,lambswool,cashmere blend
Canvas Trainers|75|cushioned,lightweight,everyday|canvas,vegan leather,recycled mesh
Trainer Socks*|8|breathable,cushioned,seamless|cotton blend,bamboo,recycled nylon
Winter Coat|140|water-repellent,insulated,hooded|wool blend,recycled down,waxed cotton
Knitted Scarf|22|oversized,soft,warm|cashmere,merino wool,lambswool
Summer Dress|45|floaty,lightweight,midi-length|linen,viscose,organic cotton
Sunglasses|35|polarised,UV400,lightweight|acetate,metal-framed,recycled plastic
Leather Handbag|80|structured,roomy,crossbody|full-grain leather,vegan leather,suede
Chino Trousers|45|tapered,stretch,wrinkle-resistant|cotton twill,organic cotton,linen blend
"""),
        ("navy", "black", "camel", "olive", "white", "burgundy"),
        ("Marlow & Finch", "Thread Theory", "Everline", "Coastline"),
        ("for the office", "at the weekend", "for a wedding", "through the winter", "on holiday"),
        "Everyday clothing and accessories with a timeless cut.",
        (("Slim-Fit Jeans", "Leather Belt"), ("Canvas Trainers", "Trainer Socks"),
         ("Winter Coat", "Knitted Scarf"), ("Chino Trousers", "Leather Belt")),
        (1.0, 0.85, 0.95, 1.0, 1.05, 1.0, 0.95, 0.9, 1.0, 1.05, 1.2, 1.25),
        0.12, 0.17,
        ("Fits perfectly and looks smart {use}.", "The fabric feels lovely and washes well."),
        ("The sizing is way off and it looked cheap {use}.", "Shrank badly after the first wash."),
    ),
    CategoryVocab(
        "Sports",
        _types("""
Yoga Mat|30|non-slip,cushioned,eco-friendly|natural rubber,TPE foam,cork
Yoga Block*|10|lightweight,firm,non-slip|cork,EVA foam,bamboo
Adjustable Dumbbell Set|70|space-saving,quick-adjust,knurled|cast iron,chrome steel,rubber-coated steel
Resistance Bands|18|colour-coded,snap-resistant,portable|natural latex,fabric-covered latex,TPE
Running Shoes|95|cushioned,responsive,breathable|engineered mesh,knit upper,recycled mesh
Sports Water Bottle*|12|leak-proof,insulated,BPA-free|stainless steel,Tritan plastic,aluminium
Tennis Racket|90|lightweight,head-light,pre-strung|graphite,aluminium,carbon composite
Tennis Balls*|8|pressurised,all-court,high-visibility|felt and rubber,pressurised rubber,felt and rubber
Football|20|match-grade,water-resistant,hand-stitched|PU leather,synthetic leather,TPU
Shin Guards*|15|lightweight,contoured,ventilated|polypropylene,carbon-fibre shell,EVA foam
Gym Bag|35|water-resistant,shoe-compartment,durable|ripstop nylon,canvas,recycled polyester
Foam Roller|22|high-density,textured,lightweight|EVA foam,EPP foam,hollow-core foam
"""),
        ("black", "electric blue", "neon yellow", "grey", "coral", "green"),
        ("Pacefield", "Coreform", "Strideline", "Apex Athletic"),
        ("at the gym", "for marathon training", "at my Saturday league", "for home workouts",
         "for morning yoga"),
        "Training kit for runners, players and home-workout fans.",
        (("Yoga Mat", "Yoga Block"), ("Tennis Racket", "Tennis Balls"), ("Football", "Shin Guards"),
         ("Running Shoes", "Sports Water Bottle")),
        (1.55, 1.25, 1.1, 1.05, 1.1, 1.1, 1.0, 0.9, 1.0, 0.8, 0.75, 0.8),
        0.10, 0.08,
        ("Performs brilliantly {use}.", "Solid, comfortable and exactly what I needed {use}."),
        ("Started falling apart after a few sessions {use}.", "Slippery and uncomfortable {use}."),
    ),
    CategoryVocab(
        "Pets",
        _types("""
Orthopaedic Dog Bed|45|orthopaedic,washable,non-slip|memory foam,faux sheepskin,waterproof canvas
Dog Lead|15|reflective,padded-handle,strong|nylon webbing,rope,leather
Dog Collar*|12|reflective,adjustable,quick-release|nylon webbing,leather,biothane
Cat Scratching Post|35|sturdy,tall,carpeted|sisal rope,cardboard,jute
Cat Litter*|10|clumping,odour-control,low-dust|bentonite clay,recycled paper,wood pellets
Litter Tray|15|high-sided,easy-clean,hooded|recycled plastic,antibacterial plastic,stainless steel
Grain-Free Dog Food*|25|grain-free,high-protein,hypoallergenic|salmon and potato,chicken and rice,lamb and pea
Pet Bowl*|10|non-slip,dishwasher-safe,slow-feed|stainless steel,ceramic,bamboo fibre
Dog Chew Toy*|8|chew-resistant,floating,treat-dispensing|natural rubber,rope,nylon
Cat Toy Wand*|6|feathered,interactive,bell-fitted|feather,fabric,bamboo
Pet Carrier|40|airline-approved,ventilated,foldable|mesh and nylon,hard plastic,canvas
Grooming Brush|12|self-cleaning,de-shedding,gentle|stainless steel pins,natural bristle,rubber
"""),
        ("tan", "grey", "navy", "red", "green", "natural"),
        ("Pawprint", "Wagwell", "Whisker & Co", "Hound & Home"),
        ("for our Labrador", "for my two cats", "on long muddy walks", "for a nervous rescue dog",
         "for our new puppy"),
        "Everything for happy, healthy dogs and cats.",
        (("Dog Lead", "Dog Collar"), ("Cat Litter", "Litter Tray"), ("Grain-Free Dog Food", "Pet Bowl")),
        (1.0, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15),
        0.13, 0.05,
        ("Our pet loves it and uses it every day.", "Well made and tough enough {use}."),
        ("Our dog destroyed it in ten minutes {use}.", "Our cat refuses to go near it."),
    ),
)

CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)

TIERS: tuple[str, ...] = ("budget", "mid", "premium")
TIER_PRICE = (0.7, 1.0, 1.65)
TIER_SENTENCE = (
    "Great value for everyday use.",
    "A dependable all-rounder at a fair price.",
    "Premium build quality, backed by a {years}-year guarantee.",
)

# Shared review templates; placeholders are filled with the reviewed product's own words.
POS_TEMPLATES = (
    "The {material} feels really well made and it is genuinely {feature}.",
    "I have been using the {type_l} {use} and it has been excellent.",
    "Love the {colour} colour, and the {feature} design works brilliantly.",
    "Great {type_l}: {feature} exactly as described and good value.",
)
NEG_TEMPLATES = (
    "It was sold as {feature} but it let me down {use}.",
    "The {material} feels cheap and the {type_l} looks worn already.",
    "Not {feature} at all, which was the main reason I bought this {type_l}.",
    "The {colour} finish looks dull and poor quality in person.",
)
# Consumables (coffee, shampoo, cat litter...) are judged on different things than durable goods.
CONSUMABLE_POS = (
    "The {material} is lovely and it really is {feature}.",
    "I have been using this {type_l} {use} and it has been excellent.",
    "{feature_cap} exactly as described, and it lasts well.",
    "Great {type_l}: {feature} and good value, I will be stocking up.",
)
CONSUMABLE_NEG = (
    "It was sold as {feature} but it let me down {use}.",
    "The {material} smells odd and the {type_l} runs out far too quickly.",
    "Not {feature} at all, which was the main reason I bought this {type_l}.",
    "Poor value: the {type_l} was used up in no time.",
)
OPENERS = (
    ("Terrible.", "Very disappointed.", "Awful, avoid.", "Waste of money."),
    ("Disappointed.", "Not great.", "Poor value.", "Below expectations."),
    ("It's okay.", "Average, does the job.", "Mixed feelings.", "Decent but not perfect."),
    ("Very good.", "Really pleased.", "Good purchase.", "Happy with this."),
    ("Absolutely love it!", "Excellent!", "Perfect.", "Brilliant purchase."),
)
CLOSERS = (
    ("Returned it for a refund.", "Would not recommend.", "Avoid this one.", "Complete waste of money."),
    ("Probably won't buy again.", "Expected better for the price.", "Not worth it.", ""),
    ("Fine for the price.", "Might buy again if on offer.", "", "It does the basics."),
    ("Would recommend.", "Good value overall.", "Would buy again.", ""),
    ("Highly recommend!", "Would definitely buy again.", "Five stars from me.", "Love it, recommend."),
)
