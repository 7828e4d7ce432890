"""Words that say nothing about which entry is meant: pronouns, question words, helper verbs.

They are written without diacritics (the matcher compares folded words), and in Russian without ё.
A stopword neither counts for an entry nor against it, so "what do I do first" is not a question
about anything, while "hi, how do I get a tax card" is only about the tax card.
"""

from __future__ import annotations

from bot.matching.normalise import fold_diacritics

_EN = """
a an the i im ive id ill me my mine myself we our ours us you your youre yours he hes she shes
him her his it its they them their theirs this that thats these those there theres here is are
was were be been being am do does did doing done dont doesnt didnt have has had having havent
hasnt can cant could couldnt would wouldnt should shouldnt will wont shall may might must to of
in on at for from with without by about as into onto than then so and or but if because cause
when where wheres what whats which who whos whom whose why how hows any anyone anything anybody
some someone something somebody all just also very really too not no nope yes yeah yep ok okay
please pls plz now still yet already get gets got getting go goes going went gone know knew
want wants wanted wanna need needs needed like would tell told say says said thing things one
much many more most lot lots again even only other others same such own up out off over under
after before while during sorry is isnt arent wasnt werent im u ur r sild bot
anymore somewhere anywhere every everything everyone hmm um uh well actually maybe guess think
let lets make made do alright got gotcha understood clear mate dear
"""

_FI = """
ma mä mää mina minä mie mun mulle mua mulla multa munkin minun minua minulle minulla minulta
minut sa sä sinä sie sun sulle sua sulla sinun sinua sinulle sinulla han hän se sen sitä sita
siitä siita siinä siina sille siihen me meidan meidän meillä meilla meille meitä te teidän teidan
teillä teilla teille teitä he ne niitä niita niiden heidän heidan on oli ole olen oon olet oot
olla ollut ovat olis olisi olisin oltava ja tai mutta etta että ettei jos kun ku kuin koska
niin myös myos vain vaan jo vielä viela nyt sitten siis eli ei en et emme ette eivät eivat
mitä mita mikä mika mitkä mitka missä missa mistä mista mihin mist miten miks miksi kuinka kuka
kenelle kenen keneltä milloin onko voiko saako pitääkö pitaako voinko saanko voisko voisiko
voi voin voit voisin voisitko saa saan saisin pitää pitaa täytyy taytyy pitäis pitais pitäisi
pitaisi tämä tama tää taa tämän taman tässä tassa tästä tasta tuo toi tota joku jotain jotakin
jonkun jollekin joka jota mitään mitaan kaikki kaikkea ihan tosi vähän vahan jne vai
vaikka sekä seka kanssa kans kaa mulle sille sit sitte jotenkin tms yms ok okei no juu joo
sild botti haluan haluun haluaisin tarviin tarvitsen tarttisin täällä taalla siellä siella
ketään kukaan mikään kumpi kumman jokin jotkut joitain joitakin itse oma omat mun mulle meille
millainen millaista millaisia minkälainen minkälaista kuinka takaisin takasin pois ylös alas läpi
ulos sisään mukaan vastaan ehkä ainakin vaan juuri just selvä okei jees aha ahaa
teille niille sitten nyt vielä edes kyllä eikä enkä etkä eikö enkö ettei etten mä mää sää se
oo nään näen nähdä jotenki mitäs mites voisitteko mul sul sil meil teil niil tääl tuol siel
mun sun sen mitä tehä tehdä teen teet tekee tein tehny tehnyt meen mennä menee mee tuu tulee
tulla tuli olis oli olin ollu ollut ois oisin kai kyl mut vaa vaan nii sit ku tai ekana
aika tosi hirveesti tosiaan noh no niinku silleen sillee semmonen sellanen tollanen kaikkee
päivä päivää viikko viikkoa kuukausi kuukautta vuosi vuotta eilen tänään huomenna nyt just
kuulemma varmaan kait tiiäks tiedätkö kato katos siis niinku jotenkin semmosta sellasta
"""

_ET = """
ma mina mu minu mind mul mulle minult minuga mulle sa sina su sinu sind sul sulle ta tema teda
tal talle temaga me meie meid meil meile te teie teid teil teile nad nemad neid neil neile see
selle seda sellest selles sellele need neid ja ning või voi aga et kui kas kes mis mida mille
millal kus kuhu kust kuidas miks on oli olen oled olema olnud ole pole polnud ei ka veel juba
nüüd nuud siis siin seal nii väga vaga just ainult saab saan saaks saaksin võib voib võin voin
võiks voiks tohib peab pean pead peaks tuleb tahan tahaks tahaksin vaja palun mingi mingit
midagi keegi kedagi kellegi iga kõik koik oma ise sest kuna ehk et nagu siia sinna üks uks
mingeid olema oleks olen ok okei jah sild bot mõni moni mõne mone kellel kellele kelle
kõik kõike kõigi kõige ikka ka ega ehk siis ju nüüd veel kuskil kuskile kuidagi miski midagi
milline millised missugune mitu üle ära läbi välja sisse alla peale kokku tagasi edasi kaasa
ette äkki ehk üldse lihtsalt selge olgu okei aa ahaa mulle sulle talle meile teile
nagu et noh nojah ikkagi ikka päris täitsa tõesti kohe praegu eile täna homme juba veel
teen teha tehtud tegin teeb lähen minna läks tulen tulla tuli oleks oleksin olin olime
päev päeva päeval nädal nädalat kuu kuud aasta aastat
vist tead kuule kah miskit mingisugune sihuke selline sellist niisiis lihtsalt no noh
"""

_RU = """
я мне меня мной мой моя мое моё мои моего моей моих моим моему ты тебе тебя твой вы вам вас ваш
ваша ваше ваши вами он она оно они его ее её им их ей ему мы нам нас наш наша наши это этот эта
эти этого этой том тот та то те и а но или да нет не ни в во на с со к ко по о об от из у за для
до при про под над через как что чтобы где куда откуда когда почему зачем кто какой какая какие
какое каких какую каким ли же бы уже еще ещё вот только тоже также очень можно нужно надо могу
может можете могут хочу хотел хотела хочется есть быть был была было были буду будет если так
тут здесь там сейчас теперь все всё весь вся всех пожалуйста подскажите скажите ок окей сколько
чем чего кому кем делать сделать ну вообще просто типа
sild бот же либо тогда потом очень нам понятно ясно ладно хорошо окей ага
"""


def _words(block: str) -> frozenset[str]:
    return frozenset(fold_diacritics(word) for word in block.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(_EN),
    "fi": _words(_FI),
    "et": _words(_ET),
    "ru": _words(_RU),
}
"""Stopwords per language, folded (no diacritics, ё written е)."""

ANY_STOPWORD: frozenset[str] = frozenset().union(*STOPWORDS.values())
"""A word that is a stopword in at least one language."""

_GENERIC_EN = """
good best better bad cheap cheaper cheapest expensive free price prices cost costs buy bought
sell pay paid time times day days night week weekend month months year years today tomorrow
yesterday morning evening open opens close closes closed new old big small little long short
help helps helped find found look looking use used work works place places thing way ways
finland finnish estonia estonian helsinki tallinn tartu narva espoo vantaa turku here there
recommend information info question questions ask answer number numbers call phone online
website site page app home city country one two three four five six seven ten first second
last next monday tuesday wednesday thursday friday saturday sunday big biggest bigger small
smallest large nearest near close far fast quick quickly easy hard different same whole full
right wrong possible important main usual usually normal real really exactly simply kind sort
take took give gave make made come came see saw say tell ask know think thought feel felt try
tried start started stop wait keep put bring send sent read live lived move moved stay leave
left happen happened get got anything everything nothing something lot bit part side
dad mom mum mother father parents wife husband son daughter friend friends neighbour neighbor
colleague colleagues man woman guy girl boy people everyone nobody anyone car cars bus train
house flat shop store food water tv phone laptop computer school course license licence drive
"""

_GENERIC_FI = """
hyvä hyvää paras parempi huono halpa halvan halvalla halvin halpoja kallis kalliita kallista
ilmainen ilmaiseksi hinta hinnat maksaa maksaa ostaa osta myydä aika päivä päivää yö yöllä
viikko viikonloppu kuukausi vuosi tänään huomenna eilen aamu ilta auki kiinni uusi vanha iso
pieni apu apua auttaa auttakaa löytää etsiä käyttää paikka juttu suomi suomessa suomen viro
virossa viron helsinki helsingissä tallinna tallinnassa tarttu narva espoo vantaa täällä siellä
suositella tieto tietoa kysymys kysyä vastaus numero soittaa puhelin netti netissä nettisivu
sivu sovellus koti kaupunki maa yksi kaksi kolme neljä viisi ensimmäinen eka toinen viimeinen
seuraava maanantai tiistai keskiviikko torstai perjantai lauantai sunnuntai suurin isoin pienin
lähin lähellä kaukana nopea nopeasti helppo vaikea eri sama koko täysi oikea väärä mahdollinen
tärkeä tavallinen yleensä oikeesti ottaa antaa tehdä tulla nähdä sanoa kertoa tietää ajatella
tuntea yrittää alkaa aloittaa lopettaa odottaa pitää laittaa tuoda lähettää lukea asua muuttaa
jäädä lähteä tapahtua saada mennä isä äiti vanhemmat vaimo mies poika tytär kaveri ystävä
naapuri työkaveri kollega nainen tyttö ihmiset kaikki kukaan auto auton bussi juna talo kauppa
ruoka vesi puhelin kone koulu kurssi lupa ajaa
"""

_GENERIC_ET = """
hea parim parem halb odav odavam odavaim kallis tasuta hind hinnad maksab maksma osta ostma
müüa aeg päev päeva öö öösel nädal nädalavahetus kuu aasta homme eile hommik õhtu lahti
kinni uus vana suur väike abi aidata aita leida otsida kasutada koht asi soome soomes eesti
eestis helsingi helsingis tallinn tallinnas tartu narva espoo vantaa siin seal soovitada info
teave küsimus küsida vastus number helistada telefon internet veeb veebileht leht äpp kodu linn
riik üks kaks kolm neli viis esimene teine viimane järgmine esmaspäev teisipäev kolmapäev
neljapäev reede laupäev pühapäev suurim suurimad väikseim lähim lähedal kaugel kiire kiiresti
lihtne raske erinev sama terve täis õige vale võimalik tähtis tavaline tavaliselt päriselt
võtta anda teha tulla näha öelda rääkida teada mõelda tunda proovida alustada lõpetada oodata
panna tuua saata lugeda elada kolida jääda lahkuda juhtuda saada minna isa ema vanemad naine
mees poeg tütar sõber sõbrad naaber kolleeg inimesed keegi auto buss rong maja pood toit vesi
telefon arvuti kool kursus luba sõita
"""

_GENERIC_RU = """
хороший хорошая хорошее лучший лучшая лучше плохой дешевый дешево дешевле дорогой дорого
бесплатно бесплатный цена стоит стоимость купить продать время день дня ночь ночью неделя
выходные месяц год сегодня завтра вчера утро вечер открыт открыто закрыт закрыто новый
старый большой маленький помощь помочь помогите найти искать использовать место вещь
финляндия финляндии эстония эстонии хельсинки таллин таллине тарту нарва нарве эспоо вантаа
здесь там посоветовать советовать информация вопрос спросить ответ номер позвонить телефон
интернет сайт приложение дом город страна один два три четыре пять первый второй последний
следующий понедельник вторник среда четверг пятница суббота воскресенье самый большой
маленький ближайший близко далеко быстро легко трудно разный такой же весь полный правильный
возможно важный обычный обычно реально взять брать дать давать дают сделать сказать говорить
спросить спрашивать знать думать чувствовать пробовать начать закончить ждать положить
принести отправить прочитать читать смотреть посмотреть жить переехать остаться уйти
случиться получить пойти идти ехать прийти папа мама отец мать родители жена муж сын дочь
друг подруга друзья сосед коллега мужчина женщина парень девушка люди все никто машина
машину автобус поезд дом магазин еда вода телефон компьютер школа курс лицензия водить
"""

GENERIC: dict[str, frozenset[str]] = {
    "en": _words(_GENERIC_EN),
    "fi": _words(_GENERIC_FI),
    "et": _words(_GENERIC_ET),
    "ru": _words(_GENERIC_RU),
}
"""Generic words per language: common enough that alone they point nowhere ("cheap", "night",
"Helsinki", "wife"), so they count for less than a topic's own words, and less against every key
when the content does not use them at all."""
